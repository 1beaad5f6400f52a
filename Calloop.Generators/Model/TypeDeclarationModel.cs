namespace Calloop.Generators.Model;

/// <summary>How to re-open a type as <c>partial</c>: its keyword(s) (<c>class</c>, <c>record struct</c>...) and its name with type parameters.</summary>
internal sealed record TypeDeclarationModel(string Keyword, string NameWithTypeParameters);
