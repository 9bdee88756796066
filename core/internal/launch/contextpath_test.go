package launch

import "testing"

func TestInContext(t *testing.T) {
	for path, want := range map[string]bool{
		"user.idep": true, "user.decodedIdToken.groups[0]": true, "user.profile.anything.at.all": true,
		"s3.AWS_ACCESS_KEY_ID": true, "s3_array[1].profileName": true, "region.resources.cpuLimit": true,
		"k8s.initScriptCheckSum": true, "ai.activeProvider.models": true, "vault.VAULT_TOP_DIR": true,
		"user.nickname": false, "s3.accessKey": false, "s3_array.profileName": false, "k8s.domain.sub": false,
		"": false, "user..idep": false,
	} {
		if got := InContext(path); got != want {
			t.Errorf("InContext(%q) = %v, want %v", path, got, want)
		}
	}
}
