import QRCode from 'qrcode';

/**
 * The ticket's QR code as a PNG, for email: mail clients show PNG inline where many refuse SVG. The
 * same error correction and quiet zone as the page's SVG (qr-svg.ts); 6 pixels a module reads well
 * from a phone held up at the door. Grey levels with the "up" filter: a black-and-white image needs no
 * colour channels, and trying every filter on every row (the encoder's default) costs the worker more
 * CPU for a larger file (docs/email.md has the figures).
 */
export function qrCodePng(code: string): Promise<Buffer> {
  return QRCode.toBuffer(code, {
    type: 'png',
    errorCorrectionLevel: 'M',
    margin: 4,
    scale: 6,
    rendererOpts: { filterType: PNG_FILTER_UP, colorType: PNG_GREYSCALE } as QRCode.QRCodeToBufferOptions['rendererOpts'],
  });
}

const PNG_FILTER_UP = 2;
const PNG_GREYSCALE = 0;
