package snippets

import (
	"os/exec"
	"strings"
	"testing"
)

// A profile the user brought has no bucket of Basalt's: every snippet still connects with
// its keys, and lists the buckets instead of pointing at an empty one.
func TestSnippetsWithoutABucketListTheBuckets(t *testing.T) {
	profile := S3{AccessKeyID: "AKIAOWN", SecretAccessKey: "own-secret", Endpoint: "https://s3.other.example", Region: "eu-west-1"}
	lists := map[string]string{
		"aws-cli": "aws s3 ls\n", "mc": "mc ls 'basalt/'", "python-boto3": "s3.list_buckets()", "python-s3fs": `fs.ls("")`,
		"python-pyarrow": `fs.FileSelector("")`, "r-aws.s3": "aws.s3::bucketlist(", "r-arrow": `s3$ls("")`, "r-paws": "s3$list_buckets()",
	}
	python, _ := exec.LookPath("python3")
	for _, s := range S3Snippets(profile) {
		if !strings.Contains(s.Code, "AKIAOWN") || !strings.Contains(s.Code, "own-secret") || !strings.Contains(s.Code, "s3.other.example") {
			t.Errorf("%s lacks the profile's keys or endpoint:\n%s", s.ID, s.Code)
		}
		if strings.Contains(s.Code, "s3:///") || strings.Contains(s.Code, `Bucket=""`) || strings.Contains(s.Code, `Bucket = ""`) {
			t.Errorf("%s names an empty bucket:\n%s", s.ID, s.Code)
		}
		if want, ok := lists[s.ID]; ok && !strings.Contains(s.Code, want) {
			t.Errorf("%s does not list the buckets (%q):\n%s", s.ID, want, s.Code)
		}
		if s.Language == "python" && python != "" {
			cmd := exec.Command(python, "-c", "import ast, sys; ast.parse(sys.stdin.read())")
			cmd.Stdin = strings.NewReader(s.Code)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("%s does not parse: %v %s", s.ID, err, out)
			}
		}
	}
}
