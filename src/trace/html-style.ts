// The inline style sheet of the HTML ladder page (html.ts): system fonts by generic family only, a
// details panel beside the diagram, and the looks of hover, selection and step-through. Selection and
// the current step are shown by a thicker stroke and an outline colour, never by colour alone.

export const HTML_STYLE = `
:root { color-scheme: light; }
body { margin: 0; font-family: sans-serif; color: #222; background: #fafafa; line-height: 1.4; }
header { padding: 12px 20px 4px; }
h1 { font-size: 1.3rem; margin: 0 0 4px; }
header p { margin: 4px 0; max-width: 70rem; }
.fk-controls { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin: 10px 0 4px; }
.fk-controls button { font: inherit; padding: 4px 12px; border: 1px solid #0072B2; border-radius: 4px; background: #fff; color: #0072B2; cursor: pointer; }
.fk-controls button:hover { background: #e8f2f9; }
.fk-controls button:focus-visible { outline: 3px solid #E69F00; outline-offset: 1px; }
.fk-controls button[aria-pressed="true"] { background: #0072B2; color: #fff; }
#step { min-width: 11em; font-variant-numeric: tabular-nums; }
.fk-hint { color: #666; font-size: 0.9rem; }
main { display: flex; gap: 16px; align-items: flex-start; padding: 8px 20px; }
.fk-figure { flex: 1 1 auto; overflow-x: auto; background: #fff; border: 1px solid #ddd; border-radius: 4px; }
.fk-figure h2 { font-size: 1rem; margin: 12px 12px 0; }
.fk-figure svg { display: block; }
#details { flex: 0 0 340px; position: sticky; top: 8px; background: #fff; border: 1px solid #ddd; border-radius: 4px; padding: 10px 14px; max-height: calc(100vh - 24px); overflow-y: auto; }
#details h2 { font-size: 1rem; margin: 0 0 6px; }
#details dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 10px; margin: 8px 0; }
#details dt { font-weight: bold; }
#details dd { margin: 0; font-family: monospace; overflow-wrap: anywhere; }
.fk-kind { font-weight: bold; color: #D55E00; margin: 0; }
.fk-explain-title { font-weight: bold; }
.fk-rfc span { font-weight: bold; }
.fk-sub { font-weight: bold; margin-bottom: 0; }
#explanations { padding: 4px 20px 24px; max-width: 70rem; }
#explanations h2 { font-size: 1.1rem; }
#explanations li { margin-bottom: 10px; }
#explanations li:target { background: #fff3d6; outline: 2px solid #E69F00; }
[data-seg], [data-state], [data-mark] { cursor: pointer; }
[data-seg]:focus, [data-state]:focus, [data-mark]:focus { outline: none; }
[data-seg]:hover line, [data-seg]:focus line, .fk-selected line, .fk-current line { stroke-width: 3px; }
[data-seg]:hover text, [data-seg]:focus text, .fk-selected text, .fk-current text { font-weight: bold; }
[data-state]:hover circle, [data-state]:focus circle, [data-state].fk-selected circle, [data-state].fk-current circle { r: 6px; fill: #E69F00; stroke: #222; stroke-width: 1.5px; }
[data-state]:hover text, [data-state]:focus text, [data-state].fk-selected text, [data-state].fk-current text { text-decoration: underline; }
.fk-stepping .fk-later { opacity: 0.12; }
@media (max-width: 1100px) { main { flex-direction: column; } #details { position: static; flex-basis: auto; width: auto; max-height: none; } }
@media (prefers-reduced-motion: reduce) { * { scroll-behavior: auto !important; } }
`;
