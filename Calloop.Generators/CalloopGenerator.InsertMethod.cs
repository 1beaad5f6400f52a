using System.Collections.Generic;
using Calloop.Generators.Diagnostics;
using Calloop.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Calloop.Generators;

public sealed partial class CalloopGenerator
{
    internal static partial class Parser
    {
        private const string DefaultInsertMethodName = "InsertSources";

        /// <summary>Names of members a struct inherits from <see cref="object"/>, which a token property must not hide.</summary>
        private static readonly HashSet<string> ObjectMembers =
            new(System.StringComparer.Ordinal) { "Equals", "GetHashCode", "GetType", "ToString", "MemberwiseClone", "Finalize" };

        /// <summary>
        /// The insertion method of a loop data type: the partial method the type declares (one parameter
        /// <c>LoopHandle&lt;T&gt;</c> of the type itself, no body), or the default <c>InsertSources</c>. Null (with
        /// CLP0013 or CLP0014) when it cannot be generated.
        /// </summary>
        private static InsertMethodModel? ParseInsertMethod(TypeContext context)
        {
            INamedTypeSymbol type = context.Type;
            IMethodSymbol? declared = null;
            bool ok = true;
            foreach (ISymbol member in type.GetMembers())
            {
                if (member is IMethodSymbol method && IsInsertMethodDeclaration(context, method))
                {
                    if (declared is not null)
                    {
                        Invalid(context, method, "the type already declares '" + declared.Name + "'; declare one insertion method");
                        ok = false;
                        continue;
                    }
                    declared = method;
                }
            }
            if (declared is null)
            {
                return ok ? DefaultInsertMethod(context) : null;
            }

            MethodDeclarationSyntax? syntax = null;
            foreach (SyntaxReference reference in declared.DeclaringSyntaxReferences)
            {
                syntax ??= reference.GetSyntax(context.CancellationToken) as MethodDeclarationSyntax;
            }
            if (syntax is null)
            {
                return null;
            }
            IParameterSymbol parameter = declared.Parameters[0];
            if (!SyntaxFacts.IsValidIdentifier(declared.Name) || !SyntaxFacts.IsValidIdentifier(parameter.Name))
            {
                // Half-typed (a parameter without a name): the compiler reports it, and nothing is emitted.
                return null;
            }
            string? reason = null;
            if (declared.IsStatic)
            {
                reason = "it must not be static (it inserts the sources of this instance)";
            }
            else if (declared.IsGenericMethod)
            {
                reason = "it must not be generic";
            }
            else if (parameter.RefKind != RefKind.None || parameter.IsParams)
            {
                reason = "its parameter must be a plain LoopHandle<T> (not ref, in, out or params)";
            }
            else if (syntax.ReturnType is not IdentifierNameSyntax returnName
                || !(declared.ReturnType.TypeKind == TypeKind.Error
                    || (SymbolEqualityComparer.Default.Equals(declared.ReturnType.ContainingType, type) && IsGenerated(declared.ReturnType))))
            {
                reason = "its return type must be a new simple name, which the generator declares as the struct of tokens";
            }
            else if (returnName.Identifier.ValueText == type.Name)
            {
                reason = "its return type cannot have the name of the type that declares it";
            }
            if (reason is not null)
            {
                Invalid(context, declared, reason);
                return null;
            }
            if (!ok)
            {
                return null;
            }
            string tokensType = ((IdentifierNameSyntax)syntax.ReturnType).Identifier.ValueText;
            if (!NameIsFree(context, tokensType, null))
            {
                return null;
            }
            var modifiers = new List<string>();
            foreach (SyntaxToken modifier in syntax.Modifiers)
            {
                modifiers.Add(modifier.Text);
            }
            return new InsertMethodModel(
                Declared: true,
                string.Join(" ", modifiers),
                Escape(declared.Name),
                parameter.Type.ToDisplayString(TypeFormat),
                Escape(parameter.Name),
                Escape(tokensType));
        }

        /// <summary>
        /// A partial method without implementation whose one parameter is a loop handle of this type; an optional
        /// <c>partial void</c> method without accessibility (an ordinary partial hook) is not one.
        /// </summary>
        private static bool IsInsertMethodDeclaration(TypeContext context, IMethodSymbol method)
        {
            // The analyzer runs over the compilation with the generated code, where the implementation is ours.
            if (!method.IsPartialDefinition || (method.PartialImplementationPart is { } implementation && !IsGenerated(implementation))
                || method.Parameters.Length != 1
                || method.Parameters[0].Type is not INamedTypeSymbol { TypeArguments.Length: 1 } handle
                || !SymbolEqualityComparer.Default.Equals(handle.OriginalDefinition, context.Known.LoopHandle)
                || !Same(handle.TypeArguments[0], context.Type))
            {
                return false;
            }
            if (!method.ReturnsVoid)
            {
                return true;
            }
            foreach (SyntaxReference reference in method.DeclaringSyntaxReferences)
            {
                if (reference.GetSyntax(context.CancellationToken) is MethodDeclarationSyntax syntax)
                {
                    foreach (SyntaxToken modifier in syntax.Modifiers)
                    {
                        if (modifier.Kind() is SyntaxKind.PublicKeyword or SyntaxKind.PrivateKeyword or SyntaxKind.ProtectedKeyword
                            or SyntaxKind.InternalKeyword or SyntaxKind.VirtualKeyword or SyntaxKind.OverrideKeyword
                            or SyntaxKind.SealedKeyword or SyntaxKind.NewKeyword or SyntaxKind.ExternKeyword)
                        {
                            return true;
                        }
                    }
                }
            }
            return false;
        }

        private static InsertMethodModel? DefaultInsertMethod(TypeContext context)
        {
            INamedTypeSymbol type = context.Type;
            string tokensType = type.Name + "Sources";
            INamedTypeSymbol handle = context.Known.LoopHandle.Construct(type);
            // An overload with other parameters can stay beside the generated method; one with the same parameter cannot.
            bool free = NameIsFree(context, DefaultInsertMethodName, method =>
                method.Parameters.Length == 1 && method.TypeParameters.Length == 0 && Same(method.Parameters[0].Type, handle));
            free &= NameIsFree(context, tokensType, null);
            if (!free)
            {
                return null;
            }
            return new InsertMethodModel(
                Declared: false,
                "public",
                DefaultInsertMethodName,
                handle.ToDisplayString(TypeFormat),
                "handle",
                Escape(tokensType));
        }

        /// <summary>
        /// True when no member of the type has <paramref name="name"/>, except methods that
        /// <paramref name="overloadCollides"/> says are overloads the generated one can live beside (null: every member collides).
        /// </summary>
        private static bool NameIsFree(TypeContext context, string name, System.Func<IMethodSymbol, bool>? overloadCollides)
        {
            foreach (ISymbol member in context.Type.GetMembers(name))
            {
                if (member.IsImplicitlyDeclared || IsGenerated(member) || (member is IMethodSymbol method && overloadCollides is not null && !overloadCollides(method)))
                {
                    continue;
                }
                context.Report(DiagnosticDescriptors.GeneratedNameTaken, FirstLocation(member), name, context.Type.ToDisplayString(MessageFormat));
                return false;
            }
            return true;
        }

        /// <summary>True for a member this generator wrote (seen by the analyzer, which runs after the generator).</summary>
        private static bool IsGenerated(ISymbol member)
        {
            foreach (AttributeData attribute in member.GetAttributes())
            {
                if (attribute.AttributeClass is { Name: "GeneratedCodeAttribute" }
                    && attribute.ConstructorArguments.Length == 2
                    && attribute.ConstructorArguments[0].Value is "Calloop.Generators")
                {
                    return true;
                }
            }
            return false;
        }

        private static void Invalid(TypeContext context, IMethodSymbol method, string reason) =>
            context.Report(DiagnosticDescriptors.InvalidInsertMethod, FirstLocation(method), method.Name, reason);

        /// <summary>
        /// Names each source's token property after its member: <c>_tick</c> and <c>tick</c> give <c>Tick</c>; where that
        /// is taken, not an identifier, or a member every struct has, the member's own name (then a number) is used.
        /// </summary>
        private static void NameTokens(List<HandlerModel> handlers, string? tokensType)
        {
            var used = new HashSet<string>(System.StringComparer.Ordinal);
            if (tokensType is not null)
            {
                used.Add(tokensType);
            }
            for (int i = 0; i < handlers.Count; i++)
            {
                string identifier = handlers[i].Identifier;
                string trimmed = identifier.TrimStart('_');
                string name = trimmed.Length > 0 ? char.ToUpperInvariant(trimmed[0]) + trimmed.Substring(1) : identifier;
                if (ObjectMembers.Contains(name))
                {
                    name += "Token";
                }
                if (!SyntaxFacts.IsValidIdentifier(name) || SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None || used.Contains(name))
                {
                    name = ObjectMembers.Contains(identifier) ? identifier + "Token" : identifier;
                }
                string candidate = name;
                for (int n = 2; used.Contains(candidate); n++)
                {
                    candidate = name + "_" + n.ToString(System.Globalization.CultureInfo.InvariantCulture);
                }
                used.Add(candidate);
                handlers[i] = handlers[i] with { TokenName = Escape(candidate) };
            }
        }
    }
}
