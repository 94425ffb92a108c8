/** Mock of the opener plugin for `npm run dev:mock`. */
export async function openUrl(url: string | URL): Promise<void> {
  console.info('[mock] open', String(url));
}
