package fs

import (
	"context"
	"encoding/json"
	"errors"
	iofs "io/fs"
	"slices"

	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/filetree"
)

// Presign checks the request as a store that signs links would, then declines: nothing but
// Basalt serves the files of a local directory, so Basalt signs and serves their links
// itself (its share links and downloads). An invalid or forbidden request still gets its own
// error, so that a caller learns the same from this store as from one that signs.
func (s *Store) Presign(_ context.Context, req sdk.PresignRequest) (sdk.PresignResponse, error) {
	st, err := s.Live()
	if err != nil {
		return sdk.PresignResponse{}, err
	}
	if req.Method != "GET" && req.Method != "PUT" {
		return sdk.PresignResponse{}, sdk.InvalidFields("invalid presign request", sdk.FieldViolation{Field: "method", Rule: "must be GET or PUT"})
	}
	if req.Expiry <= 0 || req.Expiry > MaxPresignExpiry {
		return sdk.PresignResponse{}, sdk.InvalidFields("invalid presign request", sdk.FieldViolation{Field: "expiry", Rule: "must be positive and at most " + MaxPresignExpiry.String()})
	}
	if err := filetree.CheckObject("object.key", req.Object.Key); err != nil {
		return sdk.PresignResponse{}, err
	}
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
	return sdk.PresignResponse{}, sdk.Errorf(sdk.ErrUnimplemented, "a local directory has no address of its own: Basalt signs and serves links to its files")
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
	st, err := s.Live()
	if err != nil {
		return sdk.SetPrefixPolicyResponse{}, err
	}
	if err := filetree.CheckFolder("prefix.key", req.Prefix.Key); err != nil {
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
	st, err := s.Live()
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
