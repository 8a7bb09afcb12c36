import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';

/** The part of the Barcode Detection API used here (not in TypeScript's DOM library yet). */
interface BarcodeDetectorLike {
  detect(source: HTMLVideoElement): Promise<Array<{ rawValue: string }>>;
}
interface BarcodeDetectorClass {
  new (options: { formats: string[] }): BarcodeDetectorLike;
  getSupportedFormats(): Promise<string[]>;
}

type Decoder = (video: HTMLVideoElement) => Promise<string | null>;

/** How often a frame is looked at, and how long a code must be out of sight before it is reported again. */
const FRAME_MS = 150;
const SAME_CODE_MS = 3000;

/**
 * The platform's BarcodeDetector where it reads QR codes (Android, ChromeOS, macOS); elsewhere jsQR
 * on the frame drawn to a canvas, loaded only then (its own chunk).
 */
async function makeDecoder(): Promise<Decoder> {
  const Detector = (globalThis as { BarcodeDetector?: BarcodeDetectorClass }).BarcodeDetector;
  const formats = Detector ? await Detector.getSupportedFormats().catch(() => [] as string[]) : [];
  if (Detector && formats.includes('qr_code')) {
    const detector = new Detector({ formats: ['qr_code'] });
    return async (video) => (await detector.detect(video))[0]?.rawValue ?? null;
  }
  const { default: jsQR } = await import('jsqr');
  const canvas = document.createElement('canvas');
  const context = canvas.getContext('2d', { willReadFrequently: true });
  return async (video) => {
    if (!context || video.videoWidth === 0) return null;
    // A frame scaled down to 640 px decodes faster, and a ticket's code survives it.
    const scale = Math.min(1, 640 / Math.max(video.videoWidth, video.videoHeight));
    canvas.width = Math.round(video.videoWidth * scale);
    canvas.height = Math.round(video.videoHeight * scale);
    context.drawImage(video, 0, 0, canvas.width, canvas.height);
    const frame = context.getImageData(0, 0, canvas.width, canvas.height);
    return jsQR(frame.data, frame.width, frame.height, { inversionAttempts: 'attemptBoth' })?.data ?? null;
  };
}

type CameraStatus = { kind: 'starting' } | { kind: 'on' } | { kind: 'unavailable'; why: string };

interface Props {
  /** A code was read; reported once, and again only after it was out of sight for a few seconds. */
  onCode(code: string): void;
  /** While a code is being checked, frames are not looked at. */
  paused: boolean;
}

/** The device's camera reading QR codes for the door; pasting a code stays possible beside it. */
export function CameraScanner({ onCode, paused }: Props): JSX.Element {
  /** 0: off; each start is a new attempt (after a refusal the fan may allow the camera and try again). */
  const [attempt, setAttempt] = useState(0);
  const wanted = attempt > 0;
  const [status, setStatus] = useState<CameraStatus>({ kind: 'starting' });
  const video = useRef<HTMLVideoElement>(null);
  const pausedRef = useRef(paused);
  pausedRef.current = paused;
  const onCodeRef = useRef(onCode);
  onCodeRef.current = onCode;

  useEffect(() => {
    if (!wanted) return;
    let stopped = false;
    let stream: MediaStream | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let last = { code: '', at: 0 };
    setStatus({ kind: 'starting' });
    const start = async (): Promise<void> => {
      if (!navigator.mediaDevices?.getUserMedia) throw new Error('this browser gives the page no camera (it needs https)');
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: 'environment' } }, audio: false });
      const element = video.current;
      if (stopped || !element) return;
      element.srcObject = stream;
      await element.play();
      const decode = await makeDecoder();
      if (stopped) return;
      setStatus({ kind: 'on' });
      const look = async (): Promise<void> => {
        if (stopped) return;
        if (!pausedRef.current) {
          const code = await decode(element).catch(() => null);
          const now = Date.now();
          // A code still in front of the camera is not checked again (it would read ALREADY USED).
          if (code && !stopped) {
            const fresh = !(code === last.code && now - last.at < SAME_CODE_MS);
            last = { code, at: now };
            if (fresh) onCodeRef.current(code);
          }
        }
        timer = setTimeout(() => void look(), FRAME_MS);
      };
      void look();
    };
    start().catch((err: unknown) => {
      if (stopped) return;
      setStatus({ kind: 'unavailable', why: err instanceof Error && err.name === 'NotAllowedError' ? 'the camera was not allowed' : 'no camera could be opened' });
    });
    return () => {
      stopped = true;
      clearTimeout(timer);
      for (const track of stream?.getTracks() ?? []) track.stop();
      if (video.current) video.current.srcObject = null;
    };
  }, [attempt]);

  const running = wanted && status.kind !== 'unavailable';
  return (
    <div class="camera">
      {running ? (
        <button type="button" onClick={() => setAttempt(0)}>
          Stop the camera
        </button>
      ) : (
        <button type="button" class="primary" onClick={() => setAttempt((a) => a + 1)}>
          Scan with the camera
        </button>
      )}
      {wanted && status.kind === 'unavailable' && <p role="status">Cannot scan: {status.why}. Paste the code below instead.</p>}
      {running && status.kind === 'on' && <p class="muted">Hold the ticket's QR code in front of the camera.</p>}
      <video ref={video} class={running ? 'camera-view' : 'camera-view hidden'} muted playsInline aria-label="Camera view" data-testid="camera-view" />
    </div>
  );
}
