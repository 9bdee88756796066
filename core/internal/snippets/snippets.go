// Package snippets writes the ready-to-paste code that connects a user's own tools to their
// storage and secrets with the credentials Basalt handed out: the AWS CLI, mc, Python, R and
// DuckDB for S3; the vault CLI and Python for secrets. Every value is quoted for the language
// it lands in, so no credential can break out of its string.
package snippets

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// Snippet is one way to connect, in one language.
type Snippet struct {
	ID       string `json:"id"`
	Label    string `json:"label"`
	Language string `json:"language"` // shell, python, r, sql
	Code     string `json:"code"`
}

// S3 is what a tool needs to reach the store as the user.
type S3 struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string // empty for static keys
	Endpoint        string // URL of the S3 API, e.g. https://minio.example.org
	Region          string
	PathStyle       bool
	Bucket          string // the user's default bucket; "" lists the buckets instead (a profile the user brought)
	Prefix          string // and prefix in it ("" for the whole bucket)
}

// S3Snippets are the connections to the store, in the order a portal shows them.
func S3Snippets(c S3) []Snippet {
	u, _ := url.Parse(c.Endpoint)
	host, secure := c.Endpoint, true
	if u != nil && u.Host != "" {
		host, secure = u.Host, u.Scheme != "http"
	}
	region := c.Region
	if region == "" {
		region = "us-east-1"
	}
	home := "s3://" + c.Bucket + "/" + c.Prefix
	folder := c.Bucket + "/" + c.Prefix
	noBucket := c.Bucket == ""
	if noBucket {
		home, folder = "", ""
	}
	var out []Snippet
	add := func(id, label, lang string, lines ...string) {
		out = append(out, Snippet{ID: id, Label: label, Language: lang, Code: strings.Join(lines, "\n") + "\n"})
	}

	env := []string{
		"export AWS_ACCESS_KEY_ID=" + sh(c.AccessKeyID),
		"export AWS_SECRET_ACCESS_KEY=" + sh(c.SecretAccessKey),
	}
	if c.SessionToken != "" {
		env = append(env, "export AWS_SESSION_TOKEN="+sh(c.SessionToken))
	}
	env = append(env, "export AWS_DEFAULT_REGION="+sh(region), "export AWS_ENDPOINT_URL="+sh(c.Endpoint))
	list := "aws s3 ls"
	if !noBucket {
		list += " " + sh(home)
	}
	add("aws-cli", "AWS CLI", "shell", append(env, list)...)

	// mc reads a whole alias, session token included, from MC_HOST_<alias>.
	mcHost := &url.URL{Scheme: "https", Host: host}
	if !secure {
		mcHost.Scheme = "http"
	}
	if c.SessionToken != "" {
		mcHost.User = url.UserPassword(c.AccessKeyID, c.SecretAccessKey+":"+c.SessionToken)
	} else {
		mcHost.User = url.UserPassword(c.AccessKeyID, c.SecretAccessKey)
	}
	add("mc", "MinIO client (mc)", "shell",
		"export MC_HOST_basalt="+sh(mcHost.String()),
		"mc ls "+sh("basalt/"+folder))

	token := "None"
	if c.SessionToken != "" {
		token = py(c.SessionToken)
	}
	boto := []string{
		"import boto3",
		"from botocore.config import Config",
		"",
		"s3 = boto3.client(",
		"    \"s3\",",
		"    endpoint_url=" + py(c.Endpoint) + ",",
		"    aws_access_key_id=" + py(c.AccessKeyID) + ",",
		"    aws_secret_access_key=" + py(c.SecretAccessKey) + ",",
		"    aws_session_token=" + token + ",",
		"    region_name=" + py(region) + ",",
		"    config=Config(s3={\"addressing_style\": " + py(addressing(c.PathStyle)) + "}),",
		")",
	}
	if noBucket {
		boto = append(boto, "for bucket in s3.list_buckets()[\"Buckets\"]:", "    print(bucket[\"Name\"])")
	} else {
		boto = append(boto, "for obj in s3.list_objects_v2(Bucket="+py(c.Bucket)+", Prefix="+py(c.Prefix)+").get(\"Contents\", []):",
			"    print(obj[\"Key\"])")
	}
	add("python-boto3", "Python (boto3)", "python", boto...)

	add("python-s3fs", "Python (s3fs)", "python",
		"import s3fs",
		"",
		"fs = s3fs.S3FileSystem(",
		"    key="+py(c.AccessKeyID)+",",
		"    secret="+py(c.SecretAccessKey)+",",
		"    token="+token+",",
		"    client_kwargs={\"endpoint_url\": "+py(c.Endpoint)+", \"region_name\": "+py(region)+"},",
		")",
		"print(fs.ls("+py(folder)+"))")

	scheme := "https"
	if !secure {
		scheme = "http"
	}
	add("python-pyarrow", "Python (pyarrow)", "python",
		"from pyarrow import fs",
		"",
		"s3 = fs.S3FileSystem(",
		"    access_key="+py(c.AccessKeyID)+",",
		"    secret_key="+py(c.SecretAccessKey)+",",
		"    session_token="+token+",",
		"    endpoint_override="+py(host)+",",
		"    scheme="+py(scheme)+",",
		"    region="+py(region)+",",
		")",
		"print(s3.get_file_info(fs.FileSelector("+py(folder)+")))")

	opts := []string{
		"    \"aws_access_key_id\": " + py(c.AccessKeyID) + ",",
		"    \"aws_secret_access_key\": " + py(c.SecretAccessKey) + ",",
	}
	if c.SessionToken != "" {
		opts = append(opts, "    \"aws_session_token\": "+py(c.SessionToken)+",")
	}
	opts = append(opts, "    \"aws_region\": "+py(region)+",", "    \"aws_endpoint_url\": "+py(c.Endpoint)+",")
	if !secure {
		opts = append(opts, "    \"aws_allow_http\": \"true\",")
	}
	polars := append([]string{"import polars as pl", "", "storage_options = {"}, opts...)
	if noBucket {
		polars = append(polars, "}", "# df = pl.read_parquet(\"s3://<bucket>/<key>.parquet\", storage_options=storage_options)")
	} else {
		polars = append(polars, "}", "df = pl.read_parquet("+py(home+"data.parquet")+", storage_options=storage_options)")
	}
	add("python-polars", "Python (polars)", "python", polars...)

	duck := []string{
		"CREATE OR REPLACE SECRET basalt (",
		"    TYPE s3,",
		"    KEY_ID " + sql(c.AccessKeyID) + ",",
		"    SECRET " + sql(c.SecretAccessKey) + ",",
	}
	if c.SessionToken != "" {
		duck = append(duck, "    SESSION_TOKEN "+sql(c.SessionToken)+",")
	}
	urlStyle := "vhost"
	if c.PathStyle {
		urlStyle = "path"
	}
	duck = append(duck,
		"    REGION "+sql(region)+",",
		"    ENDPOINT "+sql(host)+",",
		"    URL_STYLE "+sql(urlStyle)+",",
		"    USE_SSL "+strconv.FormatBool(secure),
		");")
	if noBucket {
		duck = append(duck, "-- SELECT * FROM 's3://<bucket>/<key>.parquet';")
	} else {
		duck = append(duck, "SELECT * FROM glob("+sql(home+"*")+");")
	}
	add("duckdb", "DuckDB", "sql", duck...)

	rEnv := []string{
		"Sys.setenv(",
		"  \"AWS_ACCESS_KEY_ID\" = " + r(c.AccessKeyID) + ",",
		"  \"AWS_SECRET_ACCESS_KEY\" = " + r(c.SecretAccessKey) + ",",
	}
	if c.SessionToken != "" {
		rEnv = append(rEnv, "  \"AWS_SESSION_TOKEN\" = "+r(c.SessionToken)+",")
	}
	rEnv = append(rEnv, "  \"AWS_DEFAULT_REGION\" = "+r(region)+",", "  \"AWS_S3_ENDPOINT\" = "+r(host), ")")
	if noBucket {
		rEnv = append(rEnv, fmt.Sprintf("aws.s3::bucketlist(region = \"\", use_https = %s)", rBool(secure)))
	} else {
		rEnv = append(rEnv, fmt.Sprintf("aws.s3::get_bucket(%s, prefix = %s, region = \"\", use_https = %s)", r(c.Bucket), r(c.Prefix), rBool(secure)))
	}
	add("r-aws.s3", "R (aws.s3)", "r", rEnv...)

	rToken := "\"\""
	if c.SessionToken != "" {
		rToken = r(c.SessionToken)
	}
	arrowOpts := []string{
		"  access_key = " + r(c.AccessKeyID) + ",",
		"  secret_key = " + r(c.SecretAccessKey) + ",",
		"  session_token = " + rToken + ",",
		"  endpoint_override = " + r(host) + ",",
		"  scheme = " + r(scheme) + ",",
		"  region = " + r(region),
		")",
	}
	if noBucket {
		add("r-arrow", "R (arrow)", "r", append(append([]string{"s3 <- arrow::S3FileSystem$create("}, arrowOpts...), "s3$ls(\"\")")...)
	} else {
		add("r-arrow", "R (arrow)", "r", append(append([]string{"bucket <- arrow::s3_bucket(", "  " + r(c.Bucket) + ","}, arrowOpts...),
			"bucket$ls("+r(c.Prefix)+")")...)
	}

	add("r-paws", "R (paws)", "r",
		"s3 <- paws::s3(config = list(",
		"  credentials = list(creds = list(",
		"    access_key_id = "+r(c.AccessKeyID)+",",
		"    secret_access_key = "+r(c.SecretAccessKey)+",",
		"    session_token = "+rToken,
		"  )),",
		"  endpoint = "+r(c.Endpoint)+",",
		"  region = "+r(region)+",",
		"  s3_force_path_style = "+rBool(c.PathStyle),
		"))",
		pawsList(c))
	return out
}

func pawsList(c S3) string {
	if c.Bucket == "" {
		return "s3$list_buckets()"
	}
	return "s3$list_objects_v2(Bucket = " + r(c.Bucket) + ", Prefix = " + r(c.Prefix) + ")"
}

// Vault is what a tool needs to read the user's secrets.
type Vault struct {
	Address string
	Token   string
	Mount   string // the KV v2 mount, e.g. onyxia-kv
	Home    string // the user's or project's folder in it
}

// VaultSnippets are the connections to the secrets store.
func VaultSnippets(v Vault) []Snippet {
	path := strings.Trim(v.Mount, "/") + "/" + strings.Trim(v.Home, "/")
	return []Snippet{
		{ID: "vault-cli", Label: "Vault CLI", Language: "shell", Code: strings.Join([]string{
			"export VAULT_ADDR=" + sh(v.Address),
			"export VAULT_TOKEN=" + sh(v.Token),
			"vault kv list " + sh(path),
		}, "\n") + "\n"},
		{ID: "python-hvac", Label: "Python (hvac)", Language: "python", Code: strings.Join([]string{
			"import hvac",
			"",
			"client = hvac.Client(url=" + py(v.Address) + ", token=" + py(v.Token) + ")",
			"print(client.secrets.kv.v2.list_secrets(mount_point=" + py(strings.Trim(v.Mount, "/")) + ", path=" + py(strings.Trim(v.Home, "/")) + "))",
		}, "\n") + "\n"},
	}
}

func addressing(pathStyle bool) string {
	if pathStyle {
		return "path"
	}
	return "virtual"
}

// sh quotes for POSIX shells: single quotes, with embedded ones closed and escaped.
func sh(s string) string { return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'" }

// py and r quote as double-quoted literals; Go's escapes (\", \\, \n, \xNN, \uNNNN) are valid
// in both languages.
func py(s string) string { return strconv.Quote(s) }
func r(s string) string  { return strconv.Quote(s) }

// sql quotes a SQL string literal: single quotes, doubled inside.
func sql(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func rBool(b bool) string {
	if b {
		return "TRUE"
	}
	return "FALSE"
}
