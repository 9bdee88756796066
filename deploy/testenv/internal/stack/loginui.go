package stack

import (
	"context"
	"html/template"
	"net/http"
	"net/url"
	"time"

	"github.com/basalt-dev/basalt/deploy/testenv"
)

// LoginUI is Hydra's login and consent app for browsers: a page with one
// button per user. A test may skip the page with ?user=NAME. Consent is
// always granted, with the user's claims (testenv.User.Claims).
func LoginUI(adminURL string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) {
		challenge := r.URL.Query().Get("login_challenge")
		if user := r.URL.Query().Get("user"); user != "" {
			acceptLogin(w, r, adminURL, challenge, user)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = loginPage.Execute(w, map[string]any{"Challenge": challenge, "Users": testenv.Users})
	})
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		acceptLogin(w, r, adminURL, r.FormValue("login_challenge"), r.FormValue("user"))
	})
	mux.HandleFunc("GET /consent", func(w http.ResponseWriter, r *http.Request) {
		next, err := testenv.AcceptConsent(r.Context(), adminURL, r.URL.Query().Get("consent_challenge"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		http.Redirect(w, r, next, http.StatusFound)
	})
	mux.HandleFunc("GET /logout", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
		defer cancel()
		var out struct {
			RedirectTo string `json:"redirect_to"`
		}
		u := adminURL + "/admin/oauth2/auth/requests/logout/accept?logout_challenge=" + url.QueryEscape(r.URL.Query().Get("logout_challenge"))
		if err := sendJSON(ctx, http.MethodPut, u, nil, &out, nil); err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		http.Redirect(w, r, out.RedirectTo, http.StatusFound)
	})
	return mux
}

func acceptLogin(w http.ResponseWriter, r *http.Request, adminURL, challenge, user string) {
	if _, ok := testenv.LookupUser(user); !ok {
		http.Error(w, "unknown user "+user, http.StatusBadRequest)
		return
	}
	next, err := testenv.AcceptLogin(r.Context(), adminURL, challenge, user)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	http.Redirect(w, r, next, http.StatusFound)
}

var loginPage = template.Must(template.New("login").Parse(`<!doctype html>
<html><head><title>Basalt test sign-in</title></head>
<body style="font-family: sans-serif; max-width: 30em; margin: 4em auto">
<h1>Sign in to the test environment</h1>
<form method="post" action="/login">
<input type="hidden" name="login_challenge" value="{{.Challenge}}">
{{range .Users}}<p><button type="submit" name="user" value="{{.Name}}">{{.Name}}</button>
{{with .Groups}} groups: {{range .}}{{.}} {{end}}{{end}}{{with .Roles}} roles: {{range .}}{{.}} {{end}}{{end}}</p>
{{end}}</form></body></html>
`))
