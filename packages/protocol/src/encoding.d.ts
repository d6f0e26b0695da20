// TextEncoder and TextDecoder exist in every browser and in Node, but in neither ES2022 lib;
// these declarations keep this package free of both DOM and Node typings.
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean });
  decode(input?: Uint8Array): string;
}
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}
