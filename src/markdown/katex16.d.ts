// katex16 is KaTeX 0.16 installed under an alias (see render.ts); its API
// is the same as the typed "katex" package.
declare module "katex16" {
  import katex from "katex";
  export default katex;
}
