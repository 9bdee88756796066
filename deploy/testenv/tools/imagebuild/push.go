package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

func pushCommand(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("push", flag.ContinueOnError)
	dir := fs.String("layout", "", "OCI image layout written by imagebuild image or pause-image")
	var refs listFlag
	fs.Var(&refs, "ref", "HOST:PORT/REPOSITORY:TAG to push to, repeated")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dir == "" || len(refs) == 0 {
		return errors.New("-layout and at least one -ref are required")
	}
	idx, err := layout.ImageIndexFromPath(*dir)
	if err != nil {
		return err
	}
	manifest, err := idx.IndexManifest()
	if err != nil {
		return err
	}
	if len(manifest.Manifests) != 1 {
		return fmt.Errorf("%s holds %d images; imagebuild writes one", *dir, len(manifest.Manifests))
	}
	img, err := idx.Image(manifest.Manifests[0].Digest)
	if err != nil {
		return err
	}
	for _, r := range refs {
		// The sandbox's registry speaks plain HTTP.
		ref, err := name.ParseReference(r, name.Insecure, name.StrictValidation)
		if err != nil {
			return fmt.Errorf("-ref %q: %w", r, err)
		}
		if err := remote.Write(ref, img, remote.WithContext(ctx)); err != nil {
			return fmt.Errorf("pushing %s: %w", r, err)
		}
		fmt.Printf("pushed %s@%s\n", r, manifest.Manifests[0].Digest)
	}
	return nil
}
