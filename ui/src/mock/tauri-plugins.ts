/** Mock of the opener, dialog and notification plugins for `npm run dev:mock`. */
export async function openUrl(url: string | URL): Promise<void> {
  console.info('[mock] open', String(url));
}

/** The file picker: always the same sample path, so the Import screen can be tried. */
export async function open(): Promise<string | null> {
  return '/home/agent/Downloads/Connections.csv';
}

/** The save dialog: the suggested name in a Downloads folder. */
export async function save(options?: { defaultPath?: string }): Promise<string | null> {
  const name = (options?.defaultPath ?? 'leadbook.xlsx').split(/[\\/]/).pop();
  return `/home/agent/Downloads/${name}`;
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
