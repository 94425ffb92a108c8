import { mount } from 'svelte';
import { get } from 'svelte/store';
import './fonts.css';
import './app.css';
import { applyToDocument } from './lib/i18n/i18n.svelte';
import { applyTheme, theme } from './lib/theme';
import App from './App.svelte';

// Direction, language and theme before the first paint (no inline script: the CSP forbids it).
applyToDocument();
applyTheme(get(theme));

const target = document.getElementById('app');
if (!target) throw new Error('missing #app');

export default mount(App, { target });
