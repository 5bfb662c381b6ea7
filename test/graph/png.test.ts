/**
 * PNG output: a real image of the SVG's size (or scaled), with text drawn — which needs fonts on
 * the machine (Debian: fonts-dejavu-core, installed by .ci/run).
 */
import { Resvg } from "@resvg/resvg-js";
import { describe, expect, it } from "vitest";
import { renderFlowSvg } from "../../src/graph/svg.js";
import { svgToPng } from "../../src/graph/png.js";
import { buildFlow, tts } from "../helpers/flow-builder.js";

function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8).toString("hex")).toBe("89504e470d0a1a0a");
  expect(png.subarray(12, 16).toString("ascii")).toBe("IHDR");
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

describe("png", () => {
  const flow = buildFlow({
    main: [
      { name: "Greeting", type: "play-message", props: tts("Hello") },
      { name: "Bye", type: "disconnect-contact" },
    ],
    links: [["Greeting", "default", "Bye"]],
  });
  const svg = renderFlowSvg(flow);
  const [, w, h] = /width="(\d+)" height="(\d+)"/.exec(svg)!.map(Number);

  it("renders at the SVG's size, and twice that with scale 2", () => {
    const one = svgToPng(svg);
    expect(pngSize(one.png)).toEqual({ width: w, height: h });
    expect(one).toMatchObject({ width: w, height: h });
    const two = svgToPng(svg, { scale: 2 });
    expect(pngSize(two.png)).toEqual({ width: 2 * w!, height: 2 * h! });
  });

  it("draws the text: rendering with and without the labels differs where the names are", () => {
    const withText = new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans" } }).render().pixels;
    const blank = new Resvg(svg.replace(/<text\b[^>]*>[^<]*<\/text>/g, ""), { font: { loadSystemFonts: true } }).render().pixels;
    let differing = 0;
    for (let i = 0; i < withText.length; i += 4) if (withText[i] !== blank[i]) differing++;
    // Glyphs cover a few thousand pixels; without fonts nothing would be drawn at all.
    expect(differing).toBeGreaterThan(1500);
  });
});
