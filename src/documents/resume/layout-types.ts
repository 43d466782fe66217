/** Positioned text as the layout worker reports it: points, origin top-left, y down. */
export interface LayoutItem {
  str: string;
  x: number;
  /** Top of the text (baseline minus ascent, approximated). */
  y: number;
  w: number;
  /** Font size in points. */
  h: number;
  font: string;
  bold: boolean;
  /** Why this item is not visible on the page; absent when it is. */
  hidden?: 'tiny' | 'offpage' | 'invisible';
}

export interface LayoutPage {
  number: number;
  width: number;
  height: number;
  items: LayoutItem[];
  /** Almost no visible text: a scanned page, to be read by OCR. */
  scan: boolean;
  /** Link targets on the page (https:, mailto:, tel:), as written in the file. */
  links?: string[];
  /** The page rendered at 2x: scanned pages, or every page when asked for the OCR cross-check. */
  png?: Uint8Array;
}
