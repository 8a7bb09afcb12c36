import QRCode from 'qrcode';

/**
 * The ticket's QR code as a PNG, for email: mail clients show PNG inline where many refuse SVG. The
 * same error correction and quiet zone as the page's SVG (qr-svg.ts); 6 pixels a module reads well
 * from a phone held up at the door.
 */
export function qrCodePng(code: string): Promise<Buffer> {
  return QRCode.toBuffer(code, { type: 'png', errorCorrectionLevel: 'M', margin: 4, scale: 6 });
}
