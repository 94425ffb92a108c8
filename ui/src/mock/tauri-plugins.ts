/** Mock of the opener and notification plugins for `npm run dev:mock`. */
export async function openUrl(url: string | URL): Promise<void> {
  console.info('[mock] open', String(url));
}

export async function isPermissionGranted(): Promise<boolean> {
  return true;
}

export async function requestPermission(): Promise<'granted' | 'denied' | 'default'> {
  return 'granted';
}

export function sendNotification(options: { title: string; body?: string } | string): void {
  console.info('[mock] notification', options);
}
