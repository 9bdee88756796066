package helmrepo

// IndexRepository loads an index.yaml and builds what a catalog lists from it, in the given
// version selection mode, the way a refresh does before it looks at archives. It returns the
// number of charts and versions listed.
func IndexRepository(path, mode string) (charts, versions int, err error) {
	idx, _, err := loadIndexFile(path)
	if err != nil {
		return 0, 0, err
	}
	l := newListing(filter{mode: mode, maxVersions: 5 /* the schema's default */, excluded: map[string]bool{}}, idx)
	for _, e := range l.charts {
		versions += len(e.versions)
	}
	return len(l.charts), versions, nil
}

// ReadIndex is the index reader's fast path alone: ok is false when it hands the document
// to helm's loader.
var ReadIndex = readIndex
