package prefill

// Personalize returns schema as one user sees it: list options from
// x-onyxia.overwriteListEnumWith (when the context yields any) and slider bounds from the
// region's sliders for x-onyxia.useRegionSliderConfig (read at region.sliders.<name> in
// ctx; Onyxia ignores this keyword, Basalt honours it). A section that reads only what the
// context lacks (lacks.go) gets its enabled switch off by default and says what it lacks.
// Nodes it changes are copied; the rest is shared with schema, which is not modified.
func Personalize(schema map[string]any, ctx Context) map[string]any {
	out, _ := personalize(schema, ctx)
	return out
}

func personalize(s map[string]any, ctx Context) (map[string]any, bool) {
	var out map[string]any
	edit := func() {
		if out == nil {
			out = make(map[string]any, len(s))
			for k, v := range s {
				out[k] = v
			}
		}
	}
	x := xOnyxia(s)
	if expr, ok := x["overwriteListEnumWith"]; ok {
		if opts := options(expr, s, ctx); len(opts) > 0 {
			edit()
			out["listEnum"] = opts
		}
	}
	if name, ok := x["useRegionSliderConfig"].(string); ok {
		if cfg, ok := lookup(ctx, "region.sliders"); ok {
			if m, ok := cfg.(map[string]any); ok {
				if slider, ok := m[name].(map[string]any); ok {
					for _, k := range []string{"sliderMin", "sliderMax", "sliderStep", "sliderUnit"} {
						if v, ok := slider[k]; ok {
							edit()
							out[k] = v
						}
					}
				}
			}
		}
	}
	if props, ok := s["properties"].(map[string]any); ok {
		var np map[string]any
		for k, p := range props {
			ps, ok := p.(map[string]any)
			if !ok {
				continue
			}
			if changed, did := personalize(ps, ctx); did {
				if np == nil {
					np = make(map[string]any, len(props))
					for k2, v2 := range props {
						np[k2] = v2
					}
				}
				np[k] = changed
			}
		}
		if np != nil {
			edit()
			out["properties"] = np
		}
	}
	if items, ok := s["items"].(map[string]any); ok {
		if changed, did := personalize(items, ctx); did {
			edit()
			out["items"] = changed
		}
	}
	if lack := lacking(s, ctx); lack != "" {
		if out == nil {
			out = s
		}
		return switchedOff(out, lack), true
	}
	if out == nil {
		return s, false
	}
	return out, true
}
