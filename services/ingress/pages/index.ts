export { registerPages, PagesErrorCodes, type PagesDeps } from './pages.ts';
