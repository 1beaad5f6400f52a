namespace Calloop.Generators.Model;

/// <summary>
/// The method that inserts a loop data type's sources: declared by the user as a partial method (any name, any
/// accessibility), or generated as <c>public {Type}Sources InsertSources(LoopHandle&lt;T&gt; handle)</c>.
/// </summary>
/// <param name="Declared">True when the user declared the method, so only its body is generated.</param>
/// <param name="Modifiers">The declaration's modifiers as written (<c>internal partial</c>), or <c>public</c>.</param>
/// <param name="Name">The method's name, escaped.</param>
/// <param name="ParameterType">The loop handle's type, fully qualified.</param>
/// <param name="ParameterName">The parameter's name, escaped.</param>
/// <param name="TokensType">The name of the generated struct of tokens, escaped.</param>
internal sealed record InsertMethodModel(bool Declared, string Modifiers, string Name, string ParameterType, string ParameterName, string TokensType);
