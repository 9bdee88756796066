package s3

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"github.com/basalt-dev/basalt/sdk"
)

// The named statements that make prefixes public, as Onyxia names them, so that a bucket
// shared with Onyxia reads the same: anonymous GetObject under each prefix, and anonymous
// listing of it.
const (
	sidGetObject  = "OnyxiaMakePrefixPublicGetObject"
	sidListBucket = "OnyxiaMakePrefixPublicListBucket"
)

// bucketPolicy is a bucket policy document. Statements are kept as decoded JSON so that
// those of others survive a rewrite unchanged.
type bucketPolicy struct {
	Version   string           `json:"Version"`
	ID        string           `json:"Id,omitempty"`
	Statement []map[string]any `json:"Statement"`
}

func (s *Store) SetPrefixPolicy(ctx context.Context, req sdk.SetPrefixPolicyRequest) (sdk.SetPrefixPolicyResponse, error) {
	st, sess, err := s.open(ctx, req.Caller, req.Prefix, "prefix")
	if err != nil {
		return sdk.SetPrefixPolicyResponse{}, err
	}
	if !strings.HasSuffix(req.Prefix.Key, "/") {
		return sdk.SetPrefixPolicyResponse{}, sdk.InvalidFields("cannot change the policy", sdk.FieldViolation{Field: "prefix", Rule: "must be a folder inside a bucket, ending in /"})
	}
	bucket, prefix := req.Prefix.Bucket, req.Prefix.Key
	st.policies.Lock()
	defer st.policies.Unlock()
	raw, err := sess.client.GetBucketPolicy(ctx, bucket)
	if err != nil {
		return sdk.SetPrefixPolicyResponse{}, storeError(err, "the policy of bucket "+bucket)
	}
	policy, err := parsePolicy(raw)
	if err != nil {
		return sdk.SetPrefixPolicyResponse{}, err
	}
	prefixes := publicPrefixes(policy, bucket)
	if req.Public == slices.Contains(prefixes, prefix) {
		return sdk.SetPrefixPolicyResponse{}, nil
	}
	if req.Public {
		prefixes = append(prefixes, prefix)
	} else {
		prefixes = slices.DeleteFunc(prefixes, func(p string) bool { return p == prefix })
	}
	policy.setPublic(bucket, prefixes)
	doc := ""
	if len(policy.Statement) > 0 {
		data, _ := json.Marshal(policy)
		doc = string(data)
	}
	// An empty document removes the bucket's policy.
	if err := sess.client.SetBucketPolicy(ctx, bucket, doc); err != nil {
		return sdk.SetPrefixPolicyResponse{}, storeError(err, "the policy of bucket "+bucket)
	}
	return sdk.SetPrefixPolicyResponse{}, nil
}

// ListPublicPrefixes reports the public prefixes of a bucket that lie in the caller's homes.
func (s *Store) ListPublicPrefixes(ctx context.Context, req sdk.ListPublicPrefixesRequest) (sdk.ListPublicPrefixesResponse, error) {
	st, err := s.Live()
	if err != nil {
		return sdk.ListPublicPrefixesResponse{}, err
	}
	homes, err := st.cfg.homes(req.Caller)
	if err != nil {
		return sdk.ListPublicPrefixesResponse{}, err
	}
	if !slices.ContainsFunc(homes, func(h home) bool { return h.Bucket == req.Bucket }) {
		return sdk.ListPublicPrefixesResponse{}, sdk.Errorf(sdk.ErrNotFound, "bucket %q not found", req.Bucket)
	}
	sess, err := st.sessions.get(ctx, req.Caller)
	if err != nil {
		return sdk.ListPublicPrefixesResponse{}, err
	}
	raw, err := sess.client.GetBucketPolicy(ctx, req.Bucket)
	if err != nil {
		return sdk.ListPublicPrefixesResponse{}, storeError(err, "the policy of bucket "+req.Bucket)
	}
	policy, err := parsePolicy(raw)
	if err != nil {
		return sdk.ListPublicPrefixesResponse{}, err
	}
	var out []sdk.ObjectRef
	for _, p := range publicPrefixes(policy, req.Bucket) {
		ref := sdk.ObjectRef{Bucket: req.Bucket, Key: p}
		if slices.ContainsFunc(homes, func(h home) bool { return within(ref, h) }) {
			out = append(out, ref)
		}
	}
	return sdk.ListPublicPrefixesResponse{Prefixes: out}, nil
}

func parsePolicy(raw string) (*bucketPolicy, error) {
	policy := &bucketPolicy{}
	if strings.TrimSpace(raw) != "" {
		if err := json.Unmarshal([]byte(raw), policy); err != nil {
			return nil, sdk.Errorf(sdk.ErrConflict, "the bucket's policy is not a policy document: %v", err)
		}
	}
	if policy.Version == "" {
		policy.Version = "2012-10-17"
	}
	return policy, nil
}

// publicPrefixes reads the prefixes of the GetObject statement.
func publicPrefixes(p *bucketPolicy, bucket string) []string {
	var out []string
	for _, st := range p.Statement {
		if st["Sid"] != sidGetObject {
			continue
		}
		for _, r := range stringsOf(st["Resource"]) {
			rest, ok := strings.CutPrefix(r, "arn:aws:s3:::"+bucket+"/")
			if prefix, star := strings.CutSuffix(rest, "*"); ok && star && !slices.Contains(out, prefix) {
				out = append(out, prefix)
			}
		}
	}
	return out
}

// setPublic replaces the two named statements by ones for prefixes, or removes them when
// there are none, keeping every other statement.
func (p *bucketPolicy) setPublic(bucket string, prefixes []string) {
	p.Statement = slices.DeleteFunc(p.Statement, func(st map[string]any) bool {
		return st["Sid"] == sidGetObject || st["Sid"] == sidListBucket
	})
	if len(prefixes) == 0 {
		return
	}
	slices.Sort(prefixes)
	objects := make([]string, len(prefixes))
	patterns := make([]string, len(prefixes))
	for i, prefix := range prefixes {
		objects[i] = "arn:aws:s3:::" + bucket + "/" + prefix + "*"
		patterns[i] = prefix + "*"
	}
	anyone := map[string]any{"AWS": []string{"*"}}
	p.Statement = append(p.Statement,
		map[string]any{
			"Sid": sidGetObject, "Effect": "Allow", "Principal": anyone,
			"Action": []string{"s3:GetObject"}, "Resource": objects,
		},
		map[string]any{
			"Sid": sidListBucket, "Effect": "Allow", "Principal": anyone,
			"Action": []string{"s3:ListBucket"}, "Resource": []string{"arn:aws:s3:::" + bucket},
			"Condition": map[string]any{"StringLike": map[string]any{"s3:prefix": patterns}},
		},
	)
}

// stringsOf reads a policy field that is a string or a list of strings.
func stringsOf(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []string:
		return v
	case []any:
		var out []string
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}
