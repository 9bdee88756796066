package helm_test

import (
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// stage is one FROM of a Dockerfile and the instructions under it.
type stage struct {
	base, name   string
	instructions []instruction
}

type instruction struct {
	cmd   string   // lower case: run, copy, user...
	args  []string // as the parser split them
	flags []string // --from=..., --chown=...
	line  int
}

func (i instruction) flag(name string) string {
	for _, f := range i.flags {
		if v, ok := strings.CutPrefix(f, "--"+name+"="); ok {
			return v
		}
	}
	return ""
}

// parseDockerfile reads the repository's Dockerfile with BuildKit's own parser, so that a
// syntax error fails here as it would in `docker build`.
func parseDockerfile(t *testing.T) []stage {
	t.Helper()
	f, err := os.Open("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	result, err := parser.Parse(f)
	if err != nil {
		t.Fatalf("Dockerfile: %v", err)
	}
	var stages []stage
	for _, n := range result.AST.Children {
		in := instruction{cmd: strings.ToLower(n.Value), flags: n.Flags, line: n.StartLine}
		for a := n.Next; a != nil; a = a.Next {
			in.args = append(in.args, a.Value)
		}
		if in.cmd == "from" {
			s := stage{base: in.args[0]}
			if len(in.args) == 3 && strings.EqualFold(in.args[1], "as") {
				s.name = in.args[2]
			}
			stages = append(stages, s)
			continue
		}
		if len(stages) == 0 {
			continue // ARG before the first FROM
		}
		last := &stages[len(stages)-1]
		last.instructions = append(last.instructions, in)
	}
	return stages
}

func (s stage) all(cmd string) []instruction {
	var out []instruction
	for _, in := range s.instructions {
		if in.cmd == cmd {
			out = append(out, in)
		}
	}
	return out
}

func (s stage) runs(pattern string) bool {
	re := regexp.MustCompile(pattern)
	for _, in := range s.all("run") {
		if re.MatchString(strings.Join(in.args, " ")) {
			return true
		}
	}
	return false
}

func (s stage) declares(cmd, prefix string) bool {
	for _, in := range s.all(cmd) {
		for _, a := range in.args {
			if strings.HasPrefix(a, prefix) {
				return true
			}
		}
	}
	return false
}

// env is what the stage's ENV instructions set; the parser gives each as name, value, "=".
func (s stage) env() map[string]string {
	out := map[string]string{}
	for _, in := range s.all("env") {
		for i := 0; i+1 < len(in.args); i += 3 {
			out[in.args[i]] = in.args[i+1]
		}
	}
	return out
}

// workdir is the stage's last WORKDIR, where a relative path of its RUN resolves.
func (s stage) workdir() string {
	dir := "/"
	for _, in := range s.all("workdir") {
		dir = path.Join(dir, in.args[0])
	}
	return dir
}

// madeBinaries lists what `make go-build` writes to bin/: basalt, each plugins/*/cmd/* main
// package, and the packaged default catalog.
func madeBinaries(t *testing.T) []string {
	t.Helper()
	cmds, err := filepath.Glob("../../plugins/*/cmd/*/main.go")
	if err != nil || len(cmds) == 0 {
		t.Fatalf("no plugin commands found (%v)", err)
	}
	out := []string{"basalt", "catalog"}
	for _, c := range cmds {
		out = append(out, filepath.Base(filepath.Dir(c)))
	}
	return out
}

func TestDockerfile(t *testing.T) {
	t.Parallel()
	stages := parseDockerfile(t)
	if len(stages) < 2 {
		t.Fatalf("%d stage(s): the image must be built in one stage and shipped from another", len(stages))
	}
	final := stages[len(stages)-1]
	byName := map[string]stage{}
	for _, s := range stages[:len(stages)-1] {
		byName[s.name] = s
	}

	t.Run("final stage is distroless and runs as non-root", func(t *testing.T) {
		if !strings.Contains(final.base, "distroless") {
			t.Errorf("final base %s: want a distroless image (no shell, no package manager)", final.base)
		}
		if runs := final.all("run"); len(runs) > 0 {
			t.Errorf("RUN on line %d of the final stage: a distroless base has no shell", runs[0].line)
		}
		users := final.all("user")
		if len(users) == 0 {
			t.Fatal("the final stage sets no USER: the image would run as root")
		}
		user, _, _ := strings.Cut(users[len(users)-1].args[0], ":")
		if user == "0" || user == "root" || user == "" {
			t.Errorf("USER %s: want a non-root user", users[len(users)-1].args[0])
		}
	})

	t.Run("binaries built by make with version information", func(t *testing.T) {
		var build stage
		for _, s := range byName {
			if s.runs(`\bmake\b.*\bgo-build\b|\bmake build\b`) {
				build = s
			}
		}
		if build.name == "" {
			t.Fatal("no stage runs `make go-build` (or `make build`)")
		}
		if !build.runs(`VERSION=\$\{?VERSION\}?`) || !build.runs(`COMMIT=\$\{?COMMIT\}?`) {
			t.Error("make is not given VERSION and COMMIT from the build arguments")
		}
		if !build.declares("arg", "VERSION") || !build.declares("arg", "COMMIT") {
			t.Error("the build stage declares no ARG VERSION and ARG COMMIT")
		}
		if build.env()["CGO_ENABLED"] != "0" && !build.runs(`CGO_ENABLED=0`) {
			t.Error("CGO_ENABLED=0 is not set: binaries would need a C library the distroless static base lacks")
		}
		// The portal is embedded: a stage builds it with the Makefile and the Go stage takes it.
		portalCopied := false
		for _, c := range build.all("copy") {
			if from, ok := byName[c.flag("from")]; ok && from.runs(`\bmake web-build\b`) && slices.Contains(c.args, "web/dist/") {
				portalCopied = true
			}
		}
		if !portalCopied {
			t.Error("the Go stage does not copy web/dist/ from a stage that runs `make web-build`")
		}

		// Every binary make writes to bin/ reaches the image, beside basalt.
		bin := path.Join(build.workdir(), "bin")
		var dest string
		copied := map[string]bool{}
		for _, c := range final.all("copy") {
			if c.flag("from") != build.name {
				continue
			}
			for _, src := range c.args[:len(c.args)-1] {
				if path.Clean(src) == bin {
					for _, b := range madeBinaries(t) {
						copied[b] = true
					}
					dest = c.args[len(c.args)-1]
				} else if path.Dir(path.Clean(src)) == bin {
					copied[path.Base(src)] = true
				}
			}
		}
		for _, b := range madeBinaries(t) {
			if !copied[b] {
				t.Errorf("%s, built by make into bin/, is not copied into the image", b)
			}
		}
		entry := final.all("entrypoint")
		if len(entry) == 0 || dest == "" || entry[0].args[0] != path.Join(dest, "basalt") {
			t.Errorf("ENTRYPOINT %v: want %s, beside the plugins", entry, path.Join(dest, "basalt"))
		}
		for _, d := range final.all("workdir") {
			if path.Clean(d.args[0]) != path.Clean(dest) {
				t.Errorf("WORKDIR %s: the embedded defaults' relative paths (catalog, data/) need %s", d.args[0], dest)
			}
		}
	})
}
