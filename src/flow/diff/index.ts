/** Semantic diff of two flow exports (compare.ts) and its text, Markdown and JSON forms (format.ts). */
export { diffFlows, matchActivities, isEmptyDiff, type FlowDiff, type ActivityChange, type LinkChange, type VariableChange, type PropertyChange } from "./compare.js";
export { formatText, formatMarkdown, formatJson, canonicalText } from "./format.js";
