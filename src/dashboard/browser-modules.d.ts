/** The dashboard's browser script, bundled as text (wrangler.jsonc `rules`: `**\/*.browser.js` is Text). */
declare module "*.browser.js" {
  const source: string;
  export default source;
}
