package lifecycle

// shipped are the text sets Baton speaks, by language.
var shipped = map[string]*Texts{
	"en": &English,
}
