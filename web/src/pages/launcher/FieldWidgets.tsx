import { useId, useState, type InputHTMLAttributes, type ReactNode } from "react";
import type { FormField } from "../../api/types";
import { Icon } from "../../components/Icon";
import { useT } from "../../i18n";
import { useRegion } from "../../region";
import { useLaunchFormState } from "./formContext";
import { numberText, readNumberText } from "./formChecks";
import { inPair, isHidden, isVisible, newItem, type RangePair } from "./formModel";
import { deepEqual, formatPath, getIn, isPlainObject, parsePath, type Segment } from "./paths";
import styles from "./Launcher.module.css";

const label = (f: FormField) => f.title || f.key || f.path;

/** The label, description, lock and server errors around one input. */
function FieldFrame({
  field,
  id,
  at,
  children,
  inline,
}: {
  field: FormField;
  id: string;
  at: readonly Segment[];
  children: ReactNode;
  /** A checkbox draws its own label. */
  inline?: ReactNode;
}) {
  const t = useT();
  const { errors } = useLaunchFormState();
  const rules = errors.get(formatPath(at)) ?? [];
  return (
    <div className={`${styles.field} ${rules.length > 0 ? styles.invalid : ""}`} data-path={formatPath(at)}>
      {inline ?? (
        <label className={styles.label} htmlFor={id}>
          {label(field)}
          {field.readonly ? (
            <span className={styles.locked} title={t("launcher.field.readonly")}>
              <Icon name="lock" size={14} />
              <span className="visually-hidden">{t("launcher.field.readonly")}</span>
            </span>
          ) : null}
        </label>
      )}
      {children}
      {field.description ? (
        <span className="field-hint" id={`${id}-hint`}>
          {field.description}
        </span>
      ) : null}
      {rules.map((r, i) => (
        <p key={r} className={styles.fieldError} id={`${id}-error-${i}`}>
          <Icon name="alert" size={14} /> {r}
        </p>
      ))}
    </div>
  );
}

/** aria attributes tying an input to its hint and errors. */
function useDescribed(field: FormField, at: readonly Segment[], id: string) {
  const { errors } = useLaunchFormState();
  const n = errors.get(formatPath(at))?.length ?? 0;
  const ids = [field.description ? `${id}-hint` : "", ...Array.from({ length: n }, (_, i) => `${id}-error-${i}`)].filter(Boolean).join(" ");
  return { "aria-invalid": n > 0 || undefined, "aria-describedby": ids || undefined };
}

/**
 * A number typed as text: what was typed stays as typed ("1." on the way to "1.5", or a
 * link's "banana", which the checks then refuse at the field), and the value becomes the
 * number, with its unit ("2Gi"), once the text reads as one.
 */
function NumberText({
  value,
  unit,
  onValue,
  ...input
}: { value: unknown; unit?: string; onValue(v: unknown): void } & Omit<InputHTMLAttributes<HTMLInputElement>, "value" | "onChange" | "type">) {
  const [draft, setDraft] = useState<string | null>(null);
  const text = draft !== null && deepEqual(readNumberText(draft, unit), value) ? draft : numberText(value, unit);
  return (
    <input
      type="text"
      inputMode="decimal"
      spellCheck={false}
      autoComplete="off"
      {...input}
      value={text}
      onChange={(e) => {
        setDraft(e.target.value);
        onValue(readNumberText(e.target.value, unit));
      }}
      onBlur={() => setDraft(null)}
    />
  );
}

const asText = (v: unknown) => (v === undefined || v === null ? "" : typeof v === "string" ? v : String(v));

/** One field of the form, drawn with its widget; nothing while hidden. */
export function FieldView({ field, at }: { field: FormField; at: readonly Segment[] }) {
  const { values, pairs } = useLaunchFormState();
  if (isHidden(field, values) || inPair(field, pairs)) return null;
  switch (field.widget) {
    case "group":
      return <GroupView field={field} at={at} />;
    case "checkbox":
      return <CheckboxField field={field} at={at} />;
    case "select":
      return field.options && field.options.length > 0 ? <SelectField field={field} at={at} /> : <TextField field={field} at={at} />;
    case "textArea":
      return <TextField field={field} at={at} multiline />;
    case "password":
      return <PasswordField field={field} at={at} />;
    case "number":
    case "integer":
      return <NumberField field={field} at={at} />;
    case "slider":
    case "rangeSlider":
      return <SliderField field={field} at={at} />;
    case "list":
      return <ListField field={field} at={at} />;
    case "yaml":
      return <FreeFormField field={field} at={at} />;
    default:
      return <TextField field={field} at={at} />;
  }
}

/** A group's range pairs and fields; `flat` for the group a tab shows (the tab is its title). */
export function GroupView({ field, at, flat }: { field: FormField; at: readonly Segment[]; flat?: boolean }) {
  const { values, pairs } = useLaunchFormState();
  if (!isVisible(field, values, pairs, [...at])) return null;
  const here = formatPath(at);
  const ranges = [...pairs.values()].filter((p) => p.anchor === here);
  const body = (
    <>
      {field.lacks ? <LacksNotice lacks={field.lacks} /> : null}
      {ranges.map((p) => (
        <RangeSliderField key={p.id} pair={p} />
      ))}
      {(field.fields ?? []).map((c) => (c.key === undefined ? null : <FieldView key={c.key} field={c} at={[...at, c.key]} />))}
    </>
  );
  if (flat) return <div className={styles.groupFlat}>{body}</div>;
  return (
    <fieldset className={styles.group}>
      <legend>{label(field)}</legend>
      {field.description ? <p className="field-hint" style={{ marginTop: 0 }}>{field.description}</p> : null}
      {body}
    </fieldset>
  );
}

/**
 * Why a section starts off: the region gives nothing its fields read (the server switched it
 * off). Whether the region has a store at all, and whether its store has said it hands out no
 * token (/api/v1/config's lacks), tell which words fit: a Vault the region's settings do not
 * name still gives a token for a secret picked at launch.
 */
function LacksNotice({ lacks }: { lacks: NonNullable<FormField["lacks"]> }) {
  const t = useT();
  const { region } = useRegion();
  const message =
    lacks === "storageCredentials"
      ? region && !region.files
        ? t("launcher.form.lacks.noStore")
        : t("launcher.form.lacks.storageCredentials")
      : region && !region.secrets
        ? t("launcher.form.lacks.noSecrets")
        : !region || region.lacks?.includes("secretsToken")
          ? t("launcher.form.lacks.secretsToken")
          : t("launcher.form.lacks.vaultSettings");
  return (
    <p className="notice" data-severity="info" role="note">
      {message}
    </p>
  );
}

function TextField({ field, at, multiline }: { field: FormField; at: readonly Segment[]; multiline?: boolean }) {
  const id = useId();
  const { values, set, disabled } = useLaunchFormState();
  const described = useDescribed(field, at, id);
  const value = asText(getIn(values, at));
  const common = {
    id,
    value,
    readOnly: field.readonly,
    disabled,
    onChange: (e: React.ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) => set(at, e.target.value),
    ...described,
  };
  return (
    <FieldFrame field={field} id={id} at={at}>
      {multiline ? <textarea rows={5} className={styles.code} {...common} /> : <input type="text" spellCheck={false} {...common} />}
    </FieldFrame>
  );
}

function PasswordField({ field, at }: { field: FormField; at: readonly Segment[] }) {
  const t = useT();
  const id = useId();
  const { values, set, disabled } = useLaunchFormState();
  const described = useDescribed(field, at, id);
  const [shown, setShown] = useState(false);
  return (
    <FieldFrame field={field} id={id} at={at}>
      <div className={styles.row}>
        <input
          id={id}
          type={shown ? "text" : "password"}
          autoComplete="new-password"
          spellCheck={false}
          value={asText(getIn(values, at))}
          readOnly={field.readonly}
          disabled={disabled}
          onChange={(e) => set(at, e.target.value)}
          {...described}
        />
        <button
          type="button"
          className="icon-button"
          aria-pressed={shown}
          aria-label={shown ? t("launcher.field.hidePassword", { field: label(field) }) : t("launcher.field.showPassword", { field: label(field) })}
          onClick={() => setShown((s) => !s)}
        >
          <Icon name={shown ? "eyeOff" : "eye"} size={18} />
        </button>
      </div>
    </FieldFrame>
  );
}

function CheckboxField({ field, at }: { field: FormField; at: readonly Segment[] }) {
  const t = useT();
  const id = useId();
  const { values, set, disabled } = useLaunchFormState();
  const described = useDescribed(field, at, id);
  return (
    <FieldFrame
      field={field}
      id={id}
      at={at}
      inline={
        <label className={styles.check} htmlFor={id}>
          <input
            id={id}
            type="checkbox"
            checked={getIn(values, at) === true}
            disabled={disabled || field.readonly}
            onChange={(e) => set(at, e.target.checked)}
            {...described}
          />
          <span>
            {label(field)}
            {field.readonly ? <span className="visually-hidden"> ({t("launcher.field.readonly")})</span> : null}
          </span>
        </label>
      }
    >
      {null}
    </FieldFrame>
  );
}

function SelectField({ field, at }: { field: FormField; at: readonly Segment[] }) {
  const t = useT();
  const id = useId();
  const { values, set, disabled } = useLaunchFormState();
  const described = useDescribed(field, at, id);
  const options = field.options ?? [];
  const value = getIn(values, at);
  let index = options.findIndex((o) => o === value || JSON.stringify(o) === JSON.stringify(value));
  const extra = index < 0 && value !== undefined;
  if (extra) index = options.length;
  return (
    <FieldFrame field={field} id={id} at={at}>
      <select
        id={id}
        value={index < 0 ? "" : String(index)}
        disabled={disabled || field.readonly}
        onChange={(e) => set(at, options[Number(e.target.value)])}
        {...described}
      >
        {index < 0 ? <option value="">{t("launcher.field.choose")}</option> : null}
        {options.map((o, i) => (
          <option key={i} value={String(i)}>
            {asText(o)}
          </option>
        ))}
        {extra ? <option value={String(options.length)}>{t("launcher.field.notAnOption", { value: asText(value) })}</option> : null}
      </select>
    </FieldFrame>
  );
}

function NumberField({ field, at }: { field: FormField; at: readonly Segment[] }) {
  const id = useId();
  const { values, set, disabled } = useLaunchFormState();
  const described = useDescribed(field, at, id);
  return (
    <FieldFrame field={field} id={id} at={at}>
      <NumberText
        id={id}
        className={styles.number}
        inputMode={field.widget === "integer" ? "numeric" : "decimal"}
        value={getIn(values, at)}
        readOnly={field.readonly}
        disabled={disabled}
        onValue={(v) => set(at, v)}
        {...described}
      />
    </FieldFrame>
  );
}

/** A slider's number: with a unit, the value is "<n><unit>" (e.g. "2Gi"); without, a number. */
export function sliderNumber(v: unknown, unit: string | undefined): number | undefined {
  if (typeof v === "number") return v;
  if (typeof v !== "string" || v === "") return undefined;
  const s = unit && v.endsWith(unit) ? v.slice(0, -unit.length) : v;
  const n = Number.parseFloat(s);
  return Number.isFinite(n) ? n : undefined;
}

export function sliderValue(n: number, unit: string | undefined): unknown {
  return unit ? `${n}${unit}` : n;
}

function SliderField({ field, at }: { field: FormField; at: readonly Segment[] }) {
  const t = useT();
  const id = useId();
  const { values, set, disabled } = useLaunchFormState();
  const described = useDescribed(field, at, id);
  const s = field.slider ?? { min: 0, max: 100 };
  const n = sliderNumber(getIn(values, at), s.unit);
  const locked = disabled || !!field.readonly;
  return (
    <FieldFrame field={field} id={id} at={at}>
      <div className={styles.row}>
        <input
          id={id}
          type="range"
          className={styles.slider}
          min={s.min}
          max={s.max}
          step={s.step || 1}
          value={n ?? s.min}
          disabled={locked}
          onChange={(e) => set(at, sliderValue(Number(e.target.value), s.unit))}
          {...described}
        />
        <NumberText
          className={styles.number}
          value={getIn(values, at)}
          unit={s.unit}
          disabled={locked}
          onValue={(v) => set(at, v)}
          {...described}
          aria-label={t("launcher.field.exact", { field: label(field) })}
        />
        {s.unit ? <span className={styles.unit}>{s.unit}</span> : null}
      </div>
    </FieldFrame>
  );
}

/**
 * The two ends of a sliderRangeId (requests and limits) on one track. Dragging one end pushes
 * the other along; an exact value typed is kept as typed, and an error says which end it is about.
 */
export function RangeSliderField({ pair }: { pair: RangePair }) {
  const t = useT();
  const id = useId();
  const { values, set, disabled, errors } = useLaunchFormState();
  const downAt = parsePath(pair.down.path);
  const upAt = parsePath(pair.up.path);
  if (isHidden(pair.down, values) && isHidden(pair.up, values)) return null;
  const s = pair.up.slider ?? pair.down.slider ?? { min: 0, max: 100 };
  const min = Math.min(pair.down.slider?.min ?? s.min, s.min);
  const max = Math.max(pair.down.slider?.max ?? s.max, s.max);
  const step = s.step || 1;
  const unit = s.unit;
  const downUnit = pair.down.slider?.unit ?? unit;
  const lo = sliderNumber(getIn(values, downAt), downUnit) ?? min;
  const hi = sliderNumber(getIn(values, upAt), unit) ?? max;
  const pct = (v: number) => (max > min ? ((Math.min(Math.max(v, min), max) - min) / (max - min)) * 100 : 0);
  const locked = disabled || !!pair.down.readonly || !!pair.up.readonly;
  const setLo = (v: number) => {
    set(downAt, sliderValue(v, downUnit));
    if (v > hi) set(upAt, sliderValue(v, unit));
  };
  const setHi = (v: number) => {
    set(upAt, sliderValue(v, unit));
    if (v < lo) set(downAt, sliderValue(v, downUnit));
  };
  const endName = (f: FormField) => f.slider?.semantic || f.title || f.key || "";
  const ends = [
    { end: "down", f: pair.down, at: downAt, unit: downUnit, v: lo, on: setLo },
    { end: "up", f: pair.up, at: upAt, unit, v: hi, on: setHi },
  ].map((e) => {
    const rules = errors.get(e.f.path) ?? [];
    return { ...e, rules, errorIds: rules.map((_, i) => `${id}-${e.end}-error-${i}`) };
  });
  const legend = `${label(pair.down)} – ${label(pair.up)}`;
  return (
    // Each end marks itself invalid: the other one may be right.
    <fieldset className={`${styles.groupFlat} ${styles.field}`} data-range={pair.id} data-path={pair.down.path}>
      <legend className={styles.label} style={{ padding: 0, marginBottom: "0.3rem" }}>
        {legend}
      </legend>
      <div className={styles.row}>
        <div className={styles.range}>
          <div className={styles.rangeTrack} />
          <div className={styles.rangeFill} style={{ left: `${pct(lo)}%`, right: `${100 - pct(hi)}%` }} />
          {ends.map((e) => (
            <input
              key={e.end}
              type="range"
              aria-label={label(e.f)}
              min={min}
              max={max}
              step={step}
              value={e.v}
              disabled={locked}
              onChange={(ev) => e.on(Number(ev.target.value))}
              aria-invalid={e.rules.length > 0 || undefined}
              aria-describedby={e.errorIds.join(" ") || undefined}
            />
          ))}
        </div>
      </div>
      <div className={styles.rangeEnds}>
        {ends.map((e) => (
          <label key={e.end} className={styles.rangeEnd} htmlFor={`${id}-${e.end}`}>
            {endName(e.f)}
            <NumberText
              id={`${id}-${e.end}`}
              className={styles.number}
              aria-label={t("launcher.field.exact", { field: label(e.f) })}
              value={getIn(values, e.at)}
              unit={e.unit}
              disabled={locked}
              onValue={(v) => set(e.at, v)}
              aria-invalid={e.rules.length > 0 || undefined}
              aria-describedby={e.errorIds.join(" ") || undefined}
            />
            {e.unit ? <span className={styles.unit}>{e.unit}</span> : null}
          </label>
        ))}
      </div>
      {pair.down.description || pair.up.description ? (
        <span className="field-hint">{[pair.down.description, pair.up.description].filter(Boolean).join(" · ")}</span>
      ) : null}
      {ends.map((e) =>
        e.rules.map((r, i) => (
          <p key={`${e.end}-${r}`} id={e.errorIds[i]} className={styles.fieldError}>
            <Icon name="alert" size={14} /> {t("launcher.field.endRule", { end: label(e.f), rule: r })}
          </p>
        )),
      )}
    </fieldset>
  );
}

/** An array whose items have a schema: one row per item, with add and remove. */
function ListField({ field, at }: { field: FormField; at: readonly Segment[] }) {
  const t = useT();
  const id = useId();
  const { values, set, disabled, errors } = useLaunchFormState();
  const raw = getIn(values, at);
  const items = Array.isArray(raw) ? raw : [];
  const item = field.items;
  const locked = disabled || !!field.readonly;
  const name = label(field);
  // The list's own rules (its number of items), said under its name.
  const rules = errors.get(formatPath(at)) ?? [];
  const errorIds = rules.map((_, i) => `${id}-error-${i}`).join(" ") || undefined;
  return (
    <fieldset className={styles.group} data-path={formatPath(at)} aria-describedby={errorIds}>
      <legend>{name}</legend>
      {field.description ? <p className="field-hint" style={{ marginTop: 0 }}>{field.description}</p> : null}
      {rules.map((r, i) => (
        <p key={r} className={styles.fieldError} id={`${id}-error-${i}`}>
          <Icon name="alert" size={14} /> {r}
        </p>
      ))}
      {items.length === 0 ? <p className="field-hint">{t("launcher.list.empty")}</p> : null}
      {items.map((_, i) => (
        <div key={i} className={styles.listItem}>
          <div>
            {item ? (
              <FieldView field={{ ...item, title: item.widget === "group" ? t("launcher.list.item", { n: i + 1 }) : `${name} ${i + 1}` }} at={[...at, i]} />
            ) : null}
          </div>
          <button
            type="button"
            className="icon-button"
            aria-label={t("launcher.list.remove", { n: i + 1, field: name })}
            disabled={locked}
            onClick={() => set(at, items.filter((__, j) => j !== i))}
          >
            <Icon name="trash" size={18} />
          </button>
        </div>
      ))}
      <button
        type="button"
        className="button button-secondary button-small"
        disabled={locked}
        aria-describedby={errorIds}
        onClick={() => set(at, [...items, newItem(item)])}
        style={{ marginBottom: "0.9rem" }}
      >
        <Icon name="plus" size={16} />
        {t("launcher.list.add", { field: name })}
      </button>
    </fieldset>
  );
}

const isScalar = (v: unknown) => v === null || ["string", "number", "boolean"].includes(typeof v);

/**
 * A free-form object or array: key-value rows for an object of plain values, else its JSON.
 */
function FreeFormField({ field, at }: { field: FormField; at: readonly Segment[] }) {
  const { values } = useLaunchFormState();
  const v = getIn(values, at);
  const kv = field.type !== "array" && (v === undefined || (isPlainObject(v) && Object.values(v).every(isScalar)));
  return kv ? <KeyValueField field={field} at={at} /> : <JsonField field={field} at={at} />;
}

function KeyValueField({ field, at }: { field: FormField; at: readonly Segment[] }) {
  const t = useT();
  const { values, set, disabled, errors } = useLaunchFormState();
  const v = getIn(values, at);
  // Rows as typed (a key may be empty or repeated for a moment); the value keeps the valid ones.
  const [rows, setRows] = useState<[string, string][]>(() =>
    isPlainObject(v) ? Object.entries(v).map(([k, x]) => [k, x === null ? "" : String(x)]) : [],
  );
  const locked = disabled || !!field.readonly;
  const name = label(field);
  const commit = (next: [string, string][]) => {
    setRows(next);
    const obj: Record<string, unknown> = {};
    for (const [k, x] of next) if (k.trim()) obj[k.trim()] = x;
    set(at, obj);
  };
  const rules = [...errors].filter(([k]) => k === formatPath(at) || k.startsWith(`${formatPath(at)}.`) || k.startsWith(`${formatPath(at)}[`));
  return (
    <fieldset className={styles.group} data-path={formatPath(at)}>
      <legend>{name}</legend>
      {field.description ? <p className="field-hint" style={{ marginTop: 0 }}>{field.description}</p> : null}
      {rows.map(([k, x], i) => (
        <div key={i} className={styles.kvRow}>
          <input
            type="text"
            aria-label={t("launcher.kv.key", { n: i + 1 })}
            placeholder={t("launcher.kv.keyPlaceholder")}
            value={k}
            disabled={locked}
            onChange={(e) => commit(rows.map((r, j) => (j === i ? [e.target.value, r[1]] : r)))}
          />
          <input
            type="text"
            aria-label={t("launcher.kv.value", { n: i + 1 })}
            placeholder={t("launcher.kv.valuePlaceholder")}
            value={x}
            disabled={locked}
            onChange={(e) => commit(rows.map((r, j) => (j === i ? [r[0], e.target.value] : r)))}
          />
          <button type="button" className="icon-button" aria-label={t("launcher.kv.remove", { n: i + 1 })} disabled={locked} onClick={() => commit(rows.filter((_, j) => j !== i))}>
            <Icon name="trash" size={18} />
          </button>
        </div>
      ))}
      <button type="button" className="button button-secondary button-small" disabled={locked} onClick={() => setRows([...rows, ["", ""]])} style={{ marginBottom: "0.9rem" }}>
        <Icon name="plus" size={16} />
        {t("launcher.kv.add")}
      </button>
      {rules.map(([k, rs]) => rs.map((r) => (
        <p key={k + r} className={styles.fieldError}>
          <Icon name="alert" size={14} /> <code>{k}</code>: {r}
        </p>
      )))}
    </fieldset>
  );
}

function JsonField({ field, at }: { field: FormField; at: readonly Segment[] }) {
  const t = useT();
  const id = useId();
  const { values, set, disabled } = useLaunchFormState();
  const described = useDescribed(field, at, id);
  const v = getIn(values, at);
  const [text, setText] = useState(() => JSON.stringify(v ?? (field.type === "array" ? [] : {}), null, 2));
  const [bad, setBad] = useState(false);
  return (
    <FieldFrame field={field} id={id} at={at}>
      <textarea
        id={id}
        rows={6}
        className={styles.code}
        spellCheck={false}
        value={text}
        readOnly={field.readonly}
        disabled={disabled}
        onChange={(e) => {
          setText(e.target.value);
          try {
            set(at, JSON.parse(e.target.value));
            setBad(false);
          } catch {
            setBad(true);
          }
        }}
        {...described}
      />
      {bad ? <p className={styles.fieldError}>{t("launcher.field.badJson")}</p> : <span className="field-hint">{t("launcher.field.json")}</span>}
    </FieldFrame>
  );
}
