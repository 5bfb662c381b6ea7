/**
 * SVG to PNG with @resvg/resvg-js (a Rust SVG renderer: no browser, no native build step). Text
 * needs fonts: the system's are loaded (Debian: fonts-dejavu-core), with DejaVu Sans preferred.
 */
import { Resvg } from "@resvg/resvg-js";

export interface PngOptions {
  /** Output scale (2 = twice the SVG's pixel size, for sharp text on high-density screens). */
  scale?: number;
}

export function svgToPng(svg: string, options: PngOptions = {}): { png: Buffer; width: number; height: number } {
  const scale = options.scale ?? 1;
  const resvg = new Resvg(svg, {
    font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans", sansSerifFamily: "DejaVu Sans" },
    fitTo: scale === 1 ? { mode: "original" } : { mode: "zoom", value: scale },
    background: "#ffffff",
  });
  const image = resvg.render();
  return { png: image.asPng(), width: image.width, height: image.height };
}
