// What the extension pages need to know about the browser they run in (module; background.js is a
// classic script and keeps its own permission query).
const api = globalThis.browser ?? globalThis.chrome;

// "firefox" | "chromium": the way back from a blocked microphone differs (the core words it).
export const BROWSER = typeof globalThis.browser !== 'undefined' && 'getBrowserInfo' in api.runtime ? 'firefox' : 'chromium';

// The extension origin's stored microphone decision: 'granted' | 'prompt' | 'denied' ('prompt'
// where the browser cannot tell).
export async function microphonePermission() {
  try {
    return (await navigator.permissions.query({ name: 'microphone' })).state;
  } catch (_) {
    return 'prompt';
  }
}
