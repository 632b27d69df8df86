// "What the work is worth": the pay panel's view. Turns the measured active time into money under a pay model
// (a piece rate per polygon or per image, or an hourly rate), shows the effective hourly wage in US dollars
// and in a chosen currency, and sets it beside reference wages. The numbers, and every text beside them, are
// pay_model.js's `panelFigures`; this module says where they go, as markup (Preact + htm, vendored, no build
// step), and redraws the whole panel from the state on each change. Values go in as text or properties,
// never parsed as HTML. Preact makes its nodes with the page's `document` (node tests put a fake one there).

import htm from "../../vendor/htm-3.1.1/htm.module.js";
import { h, render } from "../../vendor/preact-10.29.8/preact.module.js";
import { MODELS, MODEL_NAMES, allPaid, barWidth, panelFigures, panelState, readRate, withRate } from "./pay_model.js";

const html = htm.bind(h);
let panelCount = 0; // distinct radio-group names when a page holds several panels

/** A term and its figure, the figure's source in words beside it. */
const Figure = ({ term, value, source, testid }) => html`<dt>${term}</dt>
  <dd><span class="pay-figure" data-testid=${testid}>${value}</span><span class="pay-source">${source}</span></dd>`;

/** A bar as long as `value` is of `top`; aria-hidden: the figure beside it says the same in words. */
const Bar = ({ value, top, className }) => html`<span class="pay-bar-track" aria-hidden="true">
  <span class=${className} style=${{ width: barWidth(value, top) }}></span></span>`;

const Line = ({ line, top }) => html`<li class=${`pay-line${line.secondary ? " pay-line-secondary" : ""}`}
    data-id=${line.id} data-kind=${line.kind}>
  <${Bar} value=${line.hourlyUsd} top=${top} className="pay-bar" />
  <span class="pay-line-label">${line.label}</span>
  ${line.secondary && html`<span class="pay-secondary-tag">${" secondary source"}</span>`}
  <span class="pay-figure">${line.figure}</span>
  ${line.exchange && html`<span class="pay-source pay-inline">${line.exchange}</span>`}
  ${line.ratio && html`<span class="pay-ratio">${line.ratio}</span>`}
  <span class="pay-source">${line.citation}</span>
  ${line.derivation && html`<span class="pay-derivation">${line.derivation}</span>`}
  ${line.note && html`<span class="pay-note">${line.note}</span>`}
</li>`;

/** The panel for `state`; `set(state, typed)` changes it, `typed` the rate as typed ({text, invalid}). */
function Panel({ settings, state, typed, group, set, type }) {
  const shown = panelFigures(settings, state);
  const rates = settings.exchange_rates;
  const typeRate = (event) => {
    const value = readRate(event.target.value);
    if (value === null) type(event.target.value);
    else set(withRate(settings, state, value), event.target.value);
  };
  const ratesNote = `Currencies are converted with a fixed table dated ${rates.date}, not a live rate. ${rates.source} `
    + `(${rates.confidence}).`;
  return html`<section class="pay-panel" aria-label="What the work is worth">
  <h2 class="pay-title">What the work is worth</h2>
  <div class="pay-measured" data-testid="pay-measured">
    <dl class="pay-measured-list">${shown.measured.map((row) => html`<${Figure} ...${row} source=${row.note} />`)}</dl>
    <p class="pay-basis" data-testid="pay-basis">${shown.basis}</p>
    ${shown.unpaid && html`<p class="pay-unpaid" data-testid="pay-unpaid">${shown.unpaid}</p>`}
  </div>
  <fieldset class="pay-models">
    <legend>Pay model</legend>
    ${MODELS.map((name) => html`<label class="pay-model">
      <input type="radio" name=${group} value=${name} checked=${name === state.model}
        onChange=${(event) => event.target.checked && set({ ...state, model: name })} />
      <span>${` ${MODEL_NAMES[name]} (${name === "hourly" ? "hourly pay" : "pay per task"})`}</span>
    </label>`)}
  </fieldset>
  <div class="pay-rate">
    <label class="pay-rate-label">
      <span>${"Rate for this view: "}</span>
      <input class="pay-rate-input" type="number" min="0" step="any" value=${typed.text ?? String(shown.rate.value)}
        aria-invalid=${String(typed.invalid)} onInput=${typeRate} />
      <span class="pay-rate-unit">${shown.rate.unit}</span>
    </label>
    <button type="button" class="pay-rate-reset" hidden=${!shown.rate.edited}
      onClick=${() => set(withRate(settings, state, null))}>Use the published rate</button>
    <p class="pay-source pay-rate-source">${typed.invalid ? "Enter a rate of 0 or more." : shown.rate.source}</p>
  </div>
  <label class="pay-display">
    <span>${"Also show in: "}</span>
    <select class="pay-display-select" value=${state.display}
      onChange=${(event) => set({ ...state, display: event.target.value })}>
      ${Object.keys(rates.usd_per_unit).map((code) => html`<option value=${code}>${code}</option>`)}
    </select>
  </label>
  <dl class="pay-results">${shown.results.map((row) => html`<${Figure} ...${row} />`)}</dl>
  <h3 class="pay-lines-title">Beside reference wages (US$ per hour)</h3>
  <label class="pay-secondary-toggle">
    <input type="checkbox" checked=${state.showSecondary}
      onChange=${(event) => set({ ...state, showSecondary: event.target.checked })} />
    <span>${" Also show figures from secondary sources (labelled)"}</span>
  </label>
  <ol class="pay-lines">
    <li class="pay-line pay-line-own">
      <${Bar} value=${shown.own.wageUsd} top=${shown.top} className="pay-bar pay-bar-own" />
      <span class="pay-line-label">This work at the rate above</span>
      <span class="pay-figure">${shown.own.value}</span>
      <span class="pay-source">${" measured here (see above)"}</span>
    </li>
    ${shown.lines.map((line) => html`<${Line} line=${line} top=${shown.top} />`)}
  </ol>
  <ul class="pay-notes">
    ${(settings.notes ?? []).map((note) => html`<li>${note}</li>`)}
    <li class="pay-rates-note">${ratesNote}</li>
  </ul>
</section>`;
}

/**
 * Build the pay panel in `container` (its contents are replaced).
 * settings: the object GET /api/pay answers; work: a `workSplit` (labour spent, work that would be paid), or
 * activeMs, polygons, images when everything measured counts as paid.
 * Returns { element, update({work} or {activeMs, polygons, images}), state() } to refresh the figures.
 */
export function renderPayPanel(container, { settings, work = null, activeMs = 0, polygons = 0, images = 0 }) {
  const group = `pay-model-${++panelCount}`;
  let state = panelState(settings, work ?? allPaid({ activeMs, polygons, images }));
  // The rate as typed: kept while it is what the state holds (a valid rate) or flagged (an invalid one);
  // any other change shows the state's rate again.
  let typed = { text: null, invalid: false };
  const draw = () => render(html`<${Panel} settings=${settings} state=${state} typed=${typed} group=${group}
    set=${(next, text = null) => { state = next; typed = { text, invalid: false }; draw(); }}
    type=${(text) => { typed = { text, invalid: true }; draw(); }} />`, container);
  render(null, container); // a panel drawn here before goes (its state with it), and anything else too
  container.replaceChildren();
  draw();
  return {
    element: container.firstChild,
    update(measures) {
      state = { ...state, work: measures.work ?? allPaid(measures) };
      typed = { text: null, invalid: false };
      draw();
    },
    state() {
      return { model: state.model, rate: state.rates[state.model], display: state.display,
        showSecondary: state.showSecondary };
    },
  };
}
