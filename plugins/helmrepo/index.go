package helmrepo

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/Masterminds/semver/v3"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/repo"

	"github.com/basalt-dev/basalt/sdk"
)

// filter is a catalog's choice of charts and versions, with Onyxia's meanings: the chart
// filters read each chart's newest version; the version selection keeps some versions.
type filter struct {
	highlighted        []string
	excluded           map[string]bool // lower-case names
	includeKeywords    []string
	excludeKeywords    []string
	includeAnnotations map[string]string
	excludeAnnotations map[string]string
	mode               string
	maxVersions        int
}

// listing is what a catalog lists: its charts in display order (highlighted first, in their
// order, then by name), each with the versions the selection keeps.
type listing struct {
	charts  []*chartEntry
	byName  map[string]*chartEntry
	skipped []sdk.SkippedChart // what the source holds and the catalog leaves out, and why
}

type chartEntry struct {
	name     string
	newest   *repo.ChartVersion // what the summary describes
	versions []*versionEntry    // newest first, pre-releases last
	err      string             // why some versions are not offered
}

type versionEntry struct {
	cv     *repo.ChartVersion
	digest string // hex sha256 of the archive; from the index, else computed at download
}

// newListing applies f to an index. It records every chart and version it leaves out.
func newListing(f filter, idx *repo.IndexFile) *listing {
	l := &listing{byName: make(map[string]*chartEntry, len(idx.Entries))}
	dropped := f.droppedReason()
	for name, cvs := range idx.Entries {
		ordered := orderVersions(cvs)
		if len(ordered) == 0 {
			l.skipped = append(l.skipped, sdk.SkippedChart{Chart: name, Reason: "no valid version", Broken: true})
			continue
		}
		if reason := f.skip(name, ordered[0]); reason != "" {
			l.skipped = append(l.skipped, sdk.SkippedChart{Chart: name, Reason: reason})
			continue
		}
		e := &chartEntry{name: name, newest: ordered[0]}
		kept := f.selectVersions(ordered)
		for _, cv := range kept {
			e.versions = append(e.versions, &versionEntry{cv: cv, digest: strings.ToLower(cv.Digest)})
		}
		for _, cv := range ordered {
			if len(kept) > 0 && cv == kept[0] {
				kept = kept[1:] // kept is a subsequence of ordered
				continue
			}
			l.skipped = append(l.skipped, sdk.SkippedChart{Chart: name, Version: cv.Version, Reason: dropped})
		}
		l.charts = append(l.charts, e)
		l.byName[name] = e
	}
	l.sort(f.highlighted)
	slices.SortStableFunc(l.skipped, compareSkipped)
	return l
}

// compareSkipped orders skipped entries by chart, a whole chart before its versions; a
// stable sort keeps the versions newest first.
func compareSkipped(a, b sdk.SkippedChart) int {
	whole := func(s sdk.SkippedChart) int {
		if s.Version == "" {
			return 0
		}
		return 1
	}
	return cmp.Or(strings.Compare(a.Chart, b.Chart), cmp.Compare(whole(a), whole(b)))
}

// sort puts the highlighted charts first, in the given order, then the others by name.
func (l *listing) sort(highlighted []string) {
	rank := func(name string) int {
		if i := slices.Index(highlighted, name); i >= 0 {
			return i
		}
		return len(highlighted)
	}
	slices.SortFunc(l.charts, func(a, b *chartEntry) int {
		return cmp.Or(cmp.Compare(rank(a.name), rank(b.name)), strings.Compare(a.name, b.name))
	})
}

// skip says why a chart, judged on its newest version, is not listed; "" keeps it.
func (f filter) skip(name string, newest *repo.ChartVersion) string {
	if newest.Type == "library" {
		return "library chart"
	}
	if f.excluded[strings.ToLower(name)] {
		return "excluded by excludedCharts"
	}
	if len(f.includeKeywords) > 0 && !anyKeyword(newest.Keywords, f.includeKeywords) {
		return "none of includeKeywords in its keywords"
	}
	if k := firstKeyword(newest.Keywords, f.excludeKeywords); k != "" {
		return fmt.Sprintf("keyword '%s' excluded by excludeKeywords", k)
	}
	if len(f.includeAnnotations) > 0 && firstAnnotation(newest.Annotations, f.includeAnnotations) == "" {
		return "none of includeAnnotations in its annotations"
	}
	if a := firstAnnotation(newest.Annotations, f.excludeAnnotations); a != "" {
		return fmt.Sprintf("annotation %s excluded by excludeAnnotations", a)
	}
	return ""
}

func anyKeyword(keywords, wanted []string) bool { return firstKeyword(keywords, wanted) != "" }

func firstKeyword(keywords, wanted []string) string {
	for _, k := range keywords {
		if slices.Contains(wanted, k) {
			return k
		}
	}
	return ""
}

func firstAnnotation(annotations, wanted map[string]string) string {
	for k, v := range wanted {
		if got, ok := annotations[k]; ok && got == v {
			return k + "=" + v
		}
	}
	return ""
}

// droppedReason says why the version selection leaves a version out; one string for the
// whole catalog, as a large repository drops thousands of versions.
func (f filter) droppedReason() string {
	switch f.mode {
	case modeMaxNumber:
		return fmt.Sprintf("older than the %d newest (maxNumber)", f.maxVersions)
	case modeSkipPatches:
		return "a newer patch of its minor version is listed (skipPatches)"
	default:
		return "not the newest (latest)"
	}
}

// selectVersions keeps the versions the catalog's multipleServicesMode offers.
func (f filter) selectVersions(ordered []*repo.ChartVersion) []*repo.ChartVersion {
	switch f.mode {
	case modeAll:
		return ordered
	case modeMaxNumber:
		return ordered[:min(f.maxVersions, len(ordered))]
	case modeSkipPatches:
		var kept []*repo.ChartVersion
		seen := map[[2]uint64]bool{}
		for _, cv := range ordered {
			v := versionOf(cv.Version)
			line := [2]uint64{v.Major(), v.Minor()}
			if !seen[line] {
				seen[line] = true
				kept = append(kept, cv)
			}
		}
		return kept
	default:
		return ordered[:1]
	}
}

var zeroVersion = semver.New(0, 0, 0, "", "")

// versionOf parses a chart version; an invalid one counts as 0.0.0, as in Onyxia.
func versionOf(s string) *semver.Version {
	v, err := semver.NewVersion(s)
	if err != nil {
		return zeroVersion
	}
	return v
}

// orderVersions returns a chart's versions newest first with pre-releases last, leaving out
// entries helm could not read.
func orderVersions(cvs repo.ChartVersions) []*repo.ChartVersion {
	type parsed struct {
		cv *repo.ChartVersion
		v  *semver.Version
	}
	vs := make([]parsed, 0, len(cvs))
	for _, cv := range cvs {
		if cv == nil || cv.Metadata == nil {
			continue
		}
		vs = append(vs, parsed{cv, versionOf(cv.Version)})
	}
	slices.SortStableFunc(vs, func(a, b parsed) int {
		aPre, bPre := a.v.Prerelease() != "", b.v.Prerelease() != ""
		if aPre != bPre {
			if aPre {
				return 1
			}
			return -1
		}
		return b.v.Compare(a.v)
	})
	out := make([]*repo.ChartVersion, len(vs))
	for i, p := range vs {
		out[i] = p.cv
	}
	return out
}

// newestStable is the version an empty version resolves to: the first without a pre-release,
// or the newest pre-release when there is no stable one.
func (e *chartEntry) newestStable() *versionEntry {
	for _, v := range e.versions {
		if versionOf(v.cv.Version).Prerelease() == "" {
			return v
		}
	}
	if len(e.versions) > 0 {
		return e.versions[0]
	}
	return nil
}

func (e *chartEntry) version(v string) *versionEntry {
	if v == "" {
		return e.newestStable()
	}
	for _, ve := range e.versions {
		if ve.cv.Version == v {
			return ve
		}
	}
	return nil
}

// summary is the chart as ListCharts returns it.
func (e *chartEntry) summary() sdk.ChartSummary {
	m := e.newest.Metadata
	s := sdk.ChartSummary{
		Name:        e.name,
		Description: m.Description,
		Icon:        m.Icon,
		Home:        m.Home,
		Keywords:    m.Keywords,
		Annotations: m.Annotations,
		Versions:    make([]sdk.ChartVersion, len(e.versions)),
		Error:       e.err,
	}
	for i, v := range e.versions {
		s.Versions[i] = sdk.ChartVersion{
			Version:    v.cv.Version,
			AppVersion: v.cv.AppVersion,
			Created:    v.cv.Created,
			Digest:     v.digest,
			Deprecated: v.cv.Deprecated,
		}
	}
	return s
}

func dependenciesOf(m *chart.Metadata) []sdk.ChartDependency {
	if m == nil {
		return nil
	}
	deps := make([]sdk.ChartDependency, 0, len(m.Dependencies))
	for _, d := range m.Dependencies {
		deps = append(deps, sdk.ChartDependency{
			Name: d.Name, Version: d.Version, Repository: d.Repository, Condition: d.Condition, Alias: d.Alias,
		})
	}
	return deps
}
