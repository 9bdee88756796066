package launch

import "testing"

// A profile the user brought and chose replaces the region's credentials in s3, comes first
// in s3_array, and stays out of group launches that hide personal information.
func TestTheUsersOwnProfileInTheContext(t *testing.T) {
	profiles := []S3Profile{
		{Name: "default", URL: "https://minio.example.org", AccessKeyID: "STS", SecretAccessKey: "sts-secret", SessionToken: "tok", Personal: true},
		{Name: "own", URL: "http://s3.own.example:8080", Region: "eu-north-1", PathStyleAccess: true, AccessKeyID: "OWN", SecretAccessKey: "own-secret", Personal: true},
	}
	c := NewContext(ContextInput{User: UserInfo{Username: "alice"}, Project: ProjectInfo{ID: "user-alice"}, S3Profiles: profiles, S3Profile: "own"})
	if c.S3 == nil || c.S3.AccessKeyID != "OWN" || c.S3.SecretAccessKey != "own-secret" || c.S3.SessionToken != "" ||
		c.S3.Endpoint != "s3.own.example" || c.S3.Port != 8080 || c.S3.DefaultRegion != "eu-north-1" || !c.S3.PathStyleAccess {
		t.Fatalf("s3: %+v", c.S3)
	}
	if len(c.S3Array) != 2 || c.S3Array[0].ProfileName != "own" || c.S3Array[1].ProfileName != "default" {
		t.Errorf("s3_array: %+v", c.S3Array)
	}
	if c := NewContext(ContextInput{S3Profiles: profiles}); c.S3.ProfileName != "default" {
		t.Errorf("without a choice the region's profile stays: %+v", c.S3)
	}
	group := NewContext(ContextInput{User: UserInfo{Username: "alice"}, Project: ProjectInfo{ID: "project-x", Group: "x"},
		S3Profiles: profiles, S3Profile: "own", HidePersonalInfoInGroups: true})
	if group.S3 != nil || len(group.S3Array) != 0 {
		t.Errorf("a hidden group launch got personal profiles: %+v", group.S3Array)
	}
}
