package main

import (
	_ "embed"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/api"
	"github.com/batonhq/baton/bot"
	"gopkg.in/yaml.v3"
)

//go:embed demo.yaml
var demoConfig []byte

// Config is everything Baton can be configured with.
type Config struct {
	Addr              string             `yaml:"addr"`
	Data              string             `yaml:"data"`
	InactivityTimeout time.Duration      `yaml:"inactivity_timeout"`
	UnknownLimit      int                `yaml:"unknown_limit"`
	DefaultDepartment string             `yaml:"default_department"`
	Departments       []DepartmentConfig `yaml:"departments"`
	Triggers          struct {
		Phrases map[string][]string `yaml:"phrases"`
	} `yaml:"triggers"`
	Bot             bot.Config `yaml:"bot"`
	PublicRateLimit struct {
		PerMinute float64 `yaml:"per_minute"`
		Burst     int     `yaml:"burst"`
	} `yaml:"public_rate_limit"`
	TrustedProxies []string `yaml:"trusted_proxies"`
	Log            struct {
		Level  string `yaml:"level"`  // debug, info, warn, error
		Format string `yaml:"format"` // text or json
	} `yaml:"log"`

	// AdminToken comes from BATON_ADMIN_TOKEN or BATON_ADMIN_TOKEN_FILE only.
	AdminToken string `yaml:"-"`
}

// DepartmentConfig is one department in the config file.
type DepartmentConfig struct {
	Name     string             `yaml:"name"`
	Title    string             `yaml:"title"`
	Required []baton.DetailSpec `yaml:"required"`
}

// LoadConfig reads the demo defaults, then the file at path (if any), then
// BATON_* environment variables, and validates the result.
func LoadConfig(path string, getenv func(string) string) (*Config, error) {
	var c Config
	if err := yaml.Unmarshal(demoConfig, &c); err != nil {
		return nil, fmt.Errorf("demo config: %w", err)
	}
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read config: %w", err)
		}
		if err := yaml.Unmarshal(b, &c); err != nil {
			return nil, fmt.Errorf("config %s: %w", path, err)
		}
	}
	if v := getenv("BATON_ADDR"); v != "" {
		c.Addr = v
	}
	if v := getenv("BATON_DATA"); v != "" {
		c.Data = v
	}
	if v := getenv("BATON_INACTIVITY_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return nil, fmt.Errorf("BATON_INACTIVITY_TIMEOUT: %w", err)
		}
		c.InactivityTimeout = d
	}
	if v := getenv("BATON_UNKNOWN_LIMIT"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, fmt.Errorf("BATON_UNKNOWN_LIMIT: %w", err)
		}
		c.UnknownLimit = n
	}
	if v := getenv("BATON_PUBLIC_RATE_LIMIT"); v != "" {
		n, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return nil, fmt.Errorf("BATON_PUBLIC_RATE_LIMIT: %w", err)
		}
		c.PublicRateLimit.PerMinute = n
	}
	if v := getenv("BATON_LOG_LEVEL"); v != "" {
		c.Log.Level = v
	}
	token, err := secret(getenv, "BATON_ADMIN_TOKEN")
	if err != nil {
		return nil, err
	}
	c.AdminToken = token
	return &c, c.Validate()
}

// secret reads NAME, or the file named by NAME_FILE.
func secret(getenv func(string) string, name string) (string, error) {
	if v := getenv(name); v != "" {
		return v, nil
	}
	if f := getenv(name + "_FILE"); f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", fmt.Errorf("%s_FILE: %w", name, err)
		}
		return strings.TrimSpace(string(b)), nil
	}
	return "", nil
}

// Validate reports the first thing wrong with the config.
func (c *Config) Validate() error {
	if c.Addr == "" {
		return fmt.Errorf("config: addr is empty")
	}
	if c.Data == "" {
		return fmt.Errorf("config: data is empty")
	}
	if c.InactivityTimeout < 0 {
		return fmt.Errorf("config: inactivity_timeout must not be negative")
	}
	if c.UnknownLimit < 0 {
		return fmt.Errorf("config: unknown_limit must not be negative")
	}
	if len(c.Departments) == 0 {
		return fmt.Errorf("config: at least one department is needed")
	}
	seen := map[string]bool{}
	for _, d := range c.Departments {
		if d.Name == "" {
			return fmt.Errorf("config: a department has no name")
		}
		if seen[d.Name] {
			return fmt.Errorf("config: department %q is defined twice", d.Name)
		}
		seen[d.Name] = true
		for _, r := range d.Required {
			if r.Key == "" {
				return fmt.Errorf("config: department %q: a required detail has no key", d.Name)
			}
			if r.Kind != "" && r.Kind != "email" && r.Kind != "text" {
				return fmt.Errorf("config: department %q: detail %q: kind must be email or text", d.Name, r.Key)
			}
		}
	}
	if c.DefaultDepartment == "" {
		c.DefaultDepartment = c.Departments[0].Name
	}
	if !seen[c.DefaultDepartment] {
		return fmt.Errorf("config: default_department %q is not a department", c.DefaultDepartment)
	}
	if c.PublicRateLimit.PerMinute < 0 || c.PublicRateLimit.Burst < 0 {
		return fmt.Errorf("config: public_rate_limit must not be negative")
	}
	if _, err := c.Proxies(); err != nil {
		return err
	}
	if c.AdminToken != "" && len(c.AdminToken) < 20 {
		return fmt.Errorf("BATON_ADMIN_TOKEN must be at least 20 characters")
	}
	return nil
}

// Proxies parses trusted_proxies: addresses or CIDR prefixes.
func (c *Config) Proxies() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range c.TrustedProxies {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			a, aerr := netip.ParseAddr(s)
			if aerr != nil {
				return nil, fmt.Errorf("config: trusted_proxies: %q is not an address or a prefix", s)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// RateLimit returns the public rate limit for the API.
func (c *Config) RateLimit() api.RateLimit {
	proxies, _ := c.Proxies() // checked by Validate
	return api.RateLimit{PerMinute: c.PublicRateLimit.PerMinute, Burst: c.PublicRateLimit.Burst, TrustedProxies: proxies}
}

// DepartmentList returns the configured departments as domain values.
func (c *Config) DepartmentList() []*baton.Department {
	out := make([]*baton.Department, len(c.Departments))
	for i, d := range c.Departments {
		out[i] = &baton.Department{Name: d.Name, Title: d.Title, Required: d.Required}
	}
	return out
}
