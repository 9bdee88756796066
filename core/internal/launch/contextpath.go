package launch

import (
	"reflect"
	"strings"

	"github.com/basalt-dev/basalt/core/internal/launch/values"
)

// InContext reports whether a path (as x-onyxia expressions write it) names a place the
// launch context can hold, whether or not a given launch fills it: it follows the
// context's JSON shape, and any key under a free-form part (the ID token's claims, the
// user's profile, the region's custom values) is accepted.
func InContext(path string) bool {
	p, err := values.ParsePath(path)
	if err != nil || len(p) == 0 {
		return false
	}
	t := reflect.TypeFor[Context]()
	for _, seg := range p {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		switch t.Kind() {
		case reflect.Map, reflect.Interface:
			return true
		case reflect.Slice:
			if _, ok := seg.(int); !ok {
				return false
			}
			t = t.Elem()
		case reflect.Struct:
			name, ok := seg.(string)
			if !ok {
				return false
			}
			f, ok := jsonField(t, name)
			if !ok {
				return false
			}
			t = f.Type
		default:
			return false
		}
	}
	return true
}

func jsonField(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		if tag, _, _ := strings.Cut(f.Tag.Get("json"), ","); tag == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}
