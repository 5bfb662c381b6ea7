/** Pictures of flows: SVG (the designer's layout), PNG from that SVG, and Mermaid for Markdown. */
export { renderFlowSvg, type RenderOptions, type TraceStep } from "./svg.js";
export { renderFlowMermaid, type MermaidOptions } from "./mermaid.js";
export { svgToPng, type PngOptions } from "./png.js";
export { layoutFlow, type PanelLayout, type NodeLayout, type EdgeLayout } from "./layout.js";
export { describeActivity, type ActivityView } from "./describe.js";
