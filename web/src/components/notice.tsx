import type { ComponentChildren, JSX } from 'preact';

/** A message read out by screen readers when it appears: errors interrupt, the rest waits its turn. */
export function Notice(props: { kind: 'error' | 'info' | 'success'; children: ComponentChildren; testId?: string }): JSX.Element {
  return (
    <p class={`notice notice-${props.kind}`} role={props.kind === 'error' ? 'alert' : 'status'} data-testid={props.testId}>
      {props.children}
    </p>
  );
}
