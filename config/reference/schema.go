package reference

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Plugin is a plugin's configuration section as its schema.json describes it.
type Plugin struct {
	Dir         string // the folder under plugins/
	Binary      string // the executable's name (the folder under cmd/)
	Title       string
	Description string
	Keys        []Key // paths relative to the instance's config
}

// Plugins reads every plugins/*/schema.json under dir, in folder order.
func Plugins(dir string) ([]Plugin, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*", "schema.json"))
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	var out []Plugin
	for _, path := range paths {
		raw, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		var root map[string]any
		if err := json.Unmarshal(raw, &root); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		pluginDir := filepath.Dir(path)
		p := Plugin{Dir: filepath.Base(pluginDir), Title: str(root["title"]), Description: str(root["description"])}
		// A plugin module may hold helper commands too (helmrepo's basalt-catalog).
		if cmds, _ := filepath.Glob(filepath.Join(pluginDir, "cmd", "basalt-plugin-*")); len(cmds) > 0 {
			p.Binary = filepath.Base(cmds[0])
		}
		s := schemaWalker{root: root}
		p.Keys = s.properties(root, "", 0)
		out = append(out, p)
	}
	return out, nil
}

type schemaWalker struct{ root map[string]any }

// maxDepth stops a recursive schema ($ref to an ancestor) from looping.
const maxDepth = 8

// properties lists the properties of object schema node under prefix, recursing into objects,
// lists of objects and maps of objects.
func (s schemaWalker) properties(node map[string]any, prefix string, depth int) []Key {
	node = s.resolve(node)
	props, _ := node["properties"].(map[string]any)
	required := map[string]bool{}
	if req, ok := node["required"].([]any); ok {
		for _, r := range req {
			required[str(r)] = true
		}
	}
	var keys []Key
	for _, name := range sortedKeys(props) {
		prop, _ := props[name].(map[string]any)
		full := s.resolve(prop)
		path := join(prefix, name)
		doc := str(prop["description"])
		if doc == "" {
			doc = str(full["description"])
		}
		if required[name] {
			doc = strings.TrimSpace("Required. " + doc)
		}
		def := ""
		if d, ok := full["default"]; ok {
			def = flowYAML(d)
		}
		keys = append(keys, Key{Path: path, Type: s.typeOf(full), Default: def, Doc: doc})
		if depth >= maxDepth {
			continue
		}
		if _, ok := full["properties"]; ok {
			keys = append(keys, s.properties(full, path, depth+1)...)
		}
		if items, ok := full["items"].(map[string]any); ok {
			if items = s.resolve(items); items["properties"] != nil {
				keys = append(keys, s.properties(items, path+"[n]", depth+1)...)
			}
		}
		if extra, ok := full["additionalProperties"].(map[string]any); ok {
			if extra = s.resolve(extra); extra["properties"] != nil {
				keys = append(keys, s.properties(extra, path+".<name>", depth+1)...)
			}
		}
	}
	return keys
}

// resolve follows a local $ref ("#/$defs/x", "#/definitions/x"), keeping the referring node's
// own keywords (its description) over the target's.
func (s schemaWalker) resolve(node map[string]any) map[string]any {
	for range maxDepth {
		ref, ok := node["$ref"].(string)
		if !ok || !strings.HasPrefix(ref, "#/") {
			return node
		}
		var target any = s.root
		for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			m, _ := target.(map[string]any)
			target = m[part]
		}
		t, ok := target.(map[string]any)
		if !ok {
			return node
		}
		merged := make(map[string]any, len(t)+len(node))
		for k, v := range t {
			merged[k] = v
		}
		for k, v := range node {
			if k != "$ref" {
				merged[k] = v
			}
		}
		node = merged
	}
	return node
}

func (s schemaWalker) typeOf(node map[string]any) string {
	switch {
	case node["enum"] != nil:
		var vals []string
		for _, v := range node["enum"].([]any) {
			vals = append(vals, fmt.Sprint(v))
		}
		return "one of " + strings.Join(vals, ", ")
	case node["const"] != nil:
		return fmt.Sprintf("%v (only)", node["const"])
	case node["oneOf"] != nil || node["anyOf"] != nil:
		alts, _ := node["oneOf"].([]any)
		if alts == nil {
			alts, _ = node["anyOf"].([]any)
		}
		var names []string
		for _, a := range alts {
			if m, ok := a.(map[string]any); ok {
				names = append(names, s.typeOf(s.resolve(m)))
			}
		}
		return strings.Join(names, " or ")
	}
	switch t := node["type"].(type) {
	case string:
		switch t {
		case "array":
			if items, ok := node["items"].(map[string]any); ok {
				return "list of " + plural(s.typeOf(s.resolve(items)))
			}
			return "list"
		case "object":
			if extra, ok := node["additionalProperties"].(map[string]any); ok && node["properties"] == nil {
				return "map of " + plural(s.typeOf(s.resolve(extra)))
			}
		}
		if node["pattern"] != nil && strings.Contains(str(node["pattern"]), "ns|us") {
			return "duration"
		}
		return t
	case []any:
		var names []string
		for _, n := range t {
			names = append(names, str(n))
		}
		return strings.Join(names, " or ")
	}
	return "any"
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
