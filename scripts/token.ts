// npm run token -- <admin|approver|requester|auditor> [--hours N]: an access token of a demo person, signed by the
// local demo issuer (scripts/lib/demo-idp.ts), with a second factor in its amr. For `npm start` only.
import { parseArgs } from "node:util";
import { DEMO_PEOPLE, type DemoPerson, demoToken } from "./lib/demo-idp.ts";

const { positionals, values } = parseArgs({ allowPositionals: true, options: { hours: { type: "string", default: "12" } } });
const who = positionals[0] as DemoPerson | undefined;
if (!who || !(who in DEMO_PEOPLE)) {
  console.error(`usage: npm run token -- <${Object.keys(DEMO_PEOPLE).join("|")}> [--hours N]`);
  process.exit(2);
}
console.log(await demoToken(who, Number(values.hours)));
