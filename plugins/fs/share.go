package fs

import (
	"context"
	"encoding/json"
	"errors"
	iofs "io/fs"
	"slices"
	"strings"
	"time"

	"github.com/basalt-dev/basalt/plugins/fs/presign"
	"github.com/basalt-dev/basalt/sdk"
)

// Presign signs a URL that Basalt serves (see package presign). Without a presign section
// in the configuration it is not offered, and Basalt signs its own download links.
func (s *Store) Presign(_ context.Context, req sdk.PresignRequest) (sdk.PresignResponse, error) {
	st, err := s.state()
	if err != nil {
		return sdk.PresignResponse{}, err
	}
	if st.presignKey == nil {
		return sdk.PresignResponse{}, sdk.Errorf(sdk.ErrUnimplemented, "presigned URLs are off: the plugin's configuration has no presign section")
	}
	if req.Method != "GET" && req.Method != "PUT" {
		return sdk.PresignResponse{}, sdk.InvalidFields("invalid presign request", sdk.FieldViolation{Field: "method", Rule: "must be GET or PUT"})
	}
	if req.Expiry <= 0 || req.Expiry > st.maxExpiry {
		return sdk.PresignResponse{}, sdk.InvalidFields("invalid presign request", sdk.FieldViolation{Field: "expiry", Rule: "must be positive and at most " + st.maxExpiry.String()})
	}
	if err := checkObject("object.key", req.Object.Key); err != nil {
		return sdk.PresignResponse{}, err
	}
	// A download must name an object that is there; an upload, a key the caller may write.
	var b *bucket
	if req.Method == "GET" {
		b, _, err = st.object(req.Caller, req.Object)
	} else {
		b, err = st.open(req.Caller, req.Object.Bucket, false)
	}
	if err != nil {
		return sdk.PresignResponse{}, err
	}
	b.close()
	g := presign.Grant{Bucket: req.Object.Bucket, Key: req.Object.Key, Method: req.Method, User: req.Caller.Username,
		Expires: time.Now().Add(req.Expiry).Truncate(time.Second).UTC()}
	if req.Method == "GET" {
		g.Disposition = req.ContentDisposition
	}
	if group, ok := strings.CutPrefix(req.Object.Bucket, st.cfg.GroupPrefix); ok {
		g.Group = group
	}
	token, err := presign.Sign(st.presignKey, g)
	if err != nil {
		return sdk.PresignResponse{}, err
	}
	return sdk.PresignResponse{URL: strings.TrimSuffix(st.cfg.Presign.PublicURL, "/") + presign.Path + token, ExpiresAt: g.Expires}, nil
}

// policy is a bucket's policy file.
type policy struct {
	Public []string `json:"public"` // prefixes open to anonymous reads, sorted
}

func policyName(bucket string) string { return "policy/" + bucket + ".json" }

func (st *state) readPolicy(bucket string) (policy, error) {
	var p policy
	raw, err := st.internal.ReadFile(policyName(bucket))
	if errors.Is(err, iofs.ErrNotExist) {
		return p, nil
	}
	if err != nil {
		return p, err
	}
	return p, json.Unmarshal(raw, &p)
}

func (s *Store) SetPrefixPolicy(_ context.Context, req sdk.SetPrefixPolicyRequest) (sdk.SetPrefixPolicyResponse, error) {
	st, err := s.state()
	if err != nil {
		return sdk.SetPrefixPolicyResponse{}, err
	}
	if err := checkFolder("prefix.key", req.Prefix.Key); err != nil {
		return sdk.SetPrefixPolicyResponse{}, err
	}
	b, err := st.open(req.Caller, req.Prefix.Bucket, false)
	if err != nil {
		return sdk.SetPrefixPolicyResponse{}, err
	}
	b.close()
	st.policies.Lock()
	defer st.policies.Unlock()
	p, err := st.readPolicy(req.Prefix.Bucket)
	if err != nil {
		return sdk.SetPrefixPolicyResponse{}, err
	}
	i, found := slices.BinarySearch(p.Public, req.Prefix.Key)
	switch {
	case req.Public && !found:
		p.Public = slices.Insert(p.Public, i, req.Prefix.Key)
	case !req.Public && found:
		p.Public = slices.Delete(p.Public, i, i+1)
	default:
		return sdk.SetPrefixPolicyResponse{}, nil
	}
	raw, err := json.Marshal(p)
	if err != nil {
		return sdk.SetPrefixPolicyResponse{}, err
	}
	return sdk.SetPrefixPolicyResponse{}, writeAtomic(st.internal, policyName(req.Prefix.Bucket), raw)
}

func (s *Store) ListPublicPrefixes(_ context.Context, req sdk.ListPublicPrefixesRequest) (sdk.ListPublicPrefixesResponse, error) {
	st, err := s.state()
	if err != nil {
		return sdk.ListPublicPrefixesResponse{}, err
	}
	b, err := st.open(req.Caller, req.Bucket, false)
	if err != nil {
		return sdk.ListPublicPrefixesResponse{}, err
	}
	b.close()
	st.policies.Lock()
	p, err := st.readPolicy(req.Bucket)
	st.policies.Unlock()
	if err != nil {
		return sdk.ListPublicPrefixesResponse{}, err
	}
	var resp sdk.ListPublicPrefixesResponse
	for _, prefix := range p.Public {
		resp.Prefixes = append(resp.Prefixes, sdk.ObjectRef{Bucket: req.Bucket, Key: prefix})
	}
	return resp, nil
}
