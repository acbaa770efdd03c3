// A tiny, safe mustache subset: {{name}}, {{#name}}…{{/name}} (when present),
// {{^name}}…{{/name}} (when absent). No loops, partials or unescaped output. Values are
// inserted literally and never parsed again (a value holding "{{x}}" stays that text), with
// control characters neutralised (see neutralise).
import { isKnownEventType } from '../events/catalogue.js';
import { variablesFor, variablesImpliedBy } from './variables.js';

export class TemplateSyntaxError extends Error {
  override name = 'TemplateSyntaxError';
}

export class MissingVariablesError extends Error {
  override name = 'MissingVariablesError';
  constructor(readonly missing: string[]) {
    super(`missing template variables: ${missing.join(', ')}`);
  }
}

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'var'; name: string }
  | { kind: 'section'; name: string; inverted: boolean; children: Node[] };

const TAG = /\{\{\s*([#^/]?)\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\s*\}\}/y;
const LINE_END = /[ \t]*(\r?\n|$)/y;

/** Parses into a tree; any `{{` that is not a well-formed tag is an error, never literal text. */
function parse(body: string): Node[] {
  const root: Node[] = [];
  const stack: { name: string; children: Node[] }[] = [{ name: '', children: root }];
  let pos = 0;
  while (pos < body.length) {
    const open = body.indexOf('{{', pos);
    const top = stack[stack.length - 1]!;
    if (open < 0) {
      top.children.push({ kind: 'text', text: body.slice(pos) });
      break;
    }
    TAG.lastIndex = open;
    const m = TAG.exec(body);
    if (!m) throw new TemplateSyntaxError(`malformed tag at offset ${open}: "${body.slice(open, open + 30)}"`);
    const [, sigil, name] = m as unknown as [string, string, string];
    // Like mustache, a section tag alone on its line takes the whole line with it, so
    // optional lines leave no blank line behind.
    const lineStart = body.lastIndexOf('\n', open - 1) + 1;
    LINE_END.lastIndex = TAG.lastIndex;
    const after = LINE_END.exec(body);
    const standalone = sigil !== '' && lineStart >= pos && /^[ \t]*$/.test(body.slice(lineStart, open)) && after;
    const textEnd = standalone ? lineStart : open;
    if (textEnd > pos) top.children.push({ kind: 'text', text: body.slice(pos, textEnd) });
    const tagEnd = standalone ? TAG.lastIndex + after[0].length : TAG.lastIndex;
    if (sigil === '') top.children.push({ kind: 'var', name });
    else if (sigil === '/') {
      if (stack.length === 1) throw new TemplateSyntaxError(`{{/${name}}} closes no section`);
      if (top.name !== name) throw new TemplateSyntaxError(`{{/${name}}} found where {{/${top.name}}} was expected`);
      stack.pop();
    } else {
      const section: Node = { kind: 'section', name, inverted: sigil === '^', children: [] };
      top.children.push(section);
      stack.push({ name, children: section.children });
    }
    pos = tagEnd;
  }
  if (stack.length > 1) throw new TemplateSyntaxError(`section {{#${stack[stack.length - 1]!.name}}} is not closed`);
  return root;
}

/** Variable names inserted with {{x}} and names used as sections, each once, in order. */
export function parseTemplate(body: string): { variables: string[]; sections: string[] } {
  const variables = new Set<string>();
  const sections = new Set<string>();
  const walk = (nodes: Node[]): void => {
    for (const n of nodes) {
      if (n.kind === 'var') variables.add(n.name);
      else if (n.kind === 'section') {
        sections.add(n.name);
        walk(n.children);
      }
    }
  };
  walk(parse(body));
  return { variables: [...variables], sections: [...sections] };
}

/**
 * Accepts a template only if it can never render a missing value for this event type:
 * known variables only, balanced sections, optional variables inside {{#x}}…{{/x}}.
 */
export function checkTemplate(eventType: string, body: string): { ok: true } | { ok: false; message: string } {
  if (!isKnownEventType(eventType)) return { ok: false, message: `unknown event type "${eventType}"` };
  let tree: Node[];
  try {
    tree = parse(body);
  } catch (e) {
    return { ok: false, message: (e as Error).message };
  }
  const { all, guaranteed } = variablesFor(eventType);
  const known = new Set(all);
  const problems = new Set<string>();
  // `present`: variables certainly set at this point; `absent`: inside their {{^x}}.
  const walk = (nodes: Node[], present: Set<string>, absent: Set<string>): void => {
    for (const n of nodes) {
      if (n.kind === 'text') continue;
      if (!known.has(n.name)) {
        problems.add(`unknown variable "${n.name}" for ${eventType}`);
        continue;
      }
      if (n.kind === 'var') {
        if (absent.has(n.name)) problems.add(`{{${n.name}}} is inside {{^${n.name}}}, where it is always missing`);
        else if (!present.has(n.name))
          problems.add(`{{${n.name}}} may be missing for ${eventType}: wrap it in {{#${n.name}}}…{{/${n.name}}}`);
      } else if (n.inverted) walk(n.children, present, new Set([...absent, n.name]));
      else walk(n.children, new Set([...present, n.name, ...variablesImpliedBy(eventType, n.name)]), absent);
    }
  };
  walk(tree, new Set(guaranteed), new Set());
  return problems.size ? { ok: false, message: [...problems].join('; ') } : { ok: true };
}

type Vars = Record<string, string | undefined>;

// C0 controls but tab and line feed, DEL, C1 controls, and the bidirectional embeddings,
// overrides and isolates (U+202A–U+202E, U+2066–U+2069) that make text display reversed.
const CONTROLS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g;

/**
 * What a value from event data may carry into a message: line breaks (CR, CRLF, U+2028/9)
 * become "\n" and the other control characters are removed, so no value can ring a bell,
 * cut an SMS at a NUL, reverse the text around it or smuggle a CR into a header.
 */
export function neutralise(value: string): string {
  return value.replace(/\r\n?|[\u2028\u2029]/g, '\n').replace(CONTROLS, '');
}

/** One line, for subjects and titles: a line break or tab, with the whitespace around it, becomes one space. */
export const singleLine = (s: string): string => s.replace(/\s*[\t\n\v\f\r\u0085\u2028\u2029]\s*/g, ' ').trim();

/** Present means a non-blank string once neutralised: blank values are treated as missing everywhere. */
const presentValue = (v: string | undefined): string | undefined => {
  if (typeof v !== 'string') return undefined;
  const clean = neutralise(v);
  return clean.trim() === '' ? undefined : clean;
};

/** Visits the variables that would be rendered, in order, neutralised; collects missing ones. */
function visit(
  nodes: Node[],
  vars: Vars,
  onText: (t: string) => void,
  onVar: (v: string) => void,
  missing: Set<string>,
): void {
  for (const n of nodes) {
    if (n.kind === 'text') onText(n.text);
    else if (n.kind === 'var') {
      const value = presentValue(vars[n.name]);
      if (value !== undefined) onVar(value);
      else missing.add(n.name);
    } else if ((presentValue(vars[n.name]) !== undefined) !== n.inverted)
      visit(n.children, vars, onText, onVar, missing);
  }
}

/** Renders a template; throws TemplateSyntaxError on a malformed one (check it on save). */
export function renderTemplate(
  body: string,
  vars: Vars,
  opts?: { escape?: (s: string) => string },
): { ok: true; text: string } | { ok: false; missing: string[] } {
  const escapeValue = opts?.escape ?? ((s: string) => s);
  const missing = new Set<string>();
  let text = '';
  visit(
    parse(body),
    vars,
    (t) => (text += t),
    (v) => (text += escapeValue(v)),
    missing,
  );
  return missing.size ? { ok: false, missing: [...missing] } : { ok: true, text };
}

export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/**
 * Positional parameters for a WhatsApp (Meta) template: the rendered variable values in
 * order of appearance. Meta rejects newlines, tabs and runs of spaces in parameters, so
 * whitespace is collapsed. Throws MissingVariablesError if a rendered variable is missing.
 */
export function whatsAppParameters(body: string, vars: Vars): string[] {
  const params: string[] = [];
  const missing = new Set<string>();
  visit(
    parse(body),
    vars,
    () => {},
    (v) => params.push(v.replace(/\s+/g, ' ').trim()),
    missing,
  );
  if (missing.size) throw new MissingVariablesError([...missing]);
  return params;
}
