import QRCode from 'qrcode';

/**
 * The ticket's QR code as an SVG image (the well-kept `qrcode` encoder). Medium error correction
 * survives a scuffed phone screen or print; the quiet zone is the standard's four modules.
 */
export function qrCodeSvg(code: string): Promise<string> {
  return QRCode.toString(code, { type: 'svg', errorCorrectionLevel: 'M', margin: 4 });
}
