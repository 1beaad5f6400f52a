using System.Collections.Generic;
using System.Threading;
using Calloop.Generators.Diagnostics;
using Calloop.Generators.Emit;
using Calloop.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Calloop.Generators;

public sealed partial class CalloopGenerator
{
    /// <summary>Turns symbols into value-equatable models and diagnostics. Nothing it returns holds a symbol or syntax.</summary>
    internal static partial class Parser
    {
        private static readonly SymbolDisplayFormat TypeFormat = SymbolDisplayFormat.FullyQualifiedFormat
            .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

        private static readonly SymbolDisplayFormat MessageFormat = SymbolDisplayFormat.MinimallyQualifiedFormat;

        /// <summary>Parses the type holding an <c>[OnEvent]</c> method, unless that type is a composite (parsed on its own).</summary>
        public static TypeModel? ParseHandlerMethod(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            if (context.TargetSymbol is not IMethodSymbol { ContainingType: INamedTypeSymbol type } method)
            {
                return null;
            }
            if (HasAttribute(type, EventSourceAttributeName) || !IsFirstHandler(type, method))
            {
                return null;
            }
            return KnownTypes.Resolve(context.SemanticModel.Compilation) is { } known
                ? ParseType(type, composite: false, context.SemanticModel.Compilation, known, diagnostics: null, cancellationToken)
                : null;
        }

        /// <summary>Parses an <c>[EventSource]</c> class.</summary>
        public static TypeModel? ParseComposite(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            if (context.TargetSymbol is not INamedTypeSymbol type)
            {
                return null;
            }
            return KnownTypes.Resolve(context.SemanticModel.Compilation) is { } known
                ? ParseType(type, composite: true, context.SemanticModel.Compilation, known, diagnostics: null, cancellationToken)
                : null;
        }

        /// <summary>
        /// Parses a type for the analyzer: the same checks the generator makes, with their diagnostics added to
        /// <paramref name="diagnostics"/> at their source locations (where <c>#pragma</c> and <c>[SuppressMessage]</c> apply).
        /// </summary>
        /// <returns>The model the generator emits for the type, or null when it emits nothing.</returns>
        public static TypeModel? Analyze(
            INamedTypeSymbol type, bool composite, Compilation compilation, KnownTypes known, List<Diagnostic> diagnostics, CancellationToken cancellationToken) =>
            ParseType(type, composite, compilation, known, diagnostics, cancellationToken);

        /// <summary>
        /// True when <paramref name="method"/> is the type's first <c>[OnEvent]</c> method in member order: that one
        /// parses the type, the others give nothing, so a type with n handlers is parsed once, not n times.
        /// </summary>
        private static bool IsFirstHandler(INamedTypeSymbol type, IMethodSymbol method)
        {
            IMethodSymbol target = method.PartialDefinitionPart ?? method;
            foreach (ISymbol member in type.GetMembers())
            {
                if (member is IMethodSymbol candidate && HasOnEvent(candidate))
                {
                    return SymbolEqualityComparer.Default.Equals(candidate.PartialDefinitionPart ?? candidate, target);
                }
            }
            return false;
        }

        /// <summary>True when the method carries <c>[OnEvent]</c>.</summary>
        public static bool HasOnEvent(IMethodSymbol method)
        {
            foreach (AttributeData attribute in method.GetAttributes())
            {
                if (IsAttribute(attribute.AttributeClass, OnEventAttributeName))
                {
                    return true;
                }
            }
            return false;
        }

        private static TypeModel? ParseType(
            INamedTypeSymbol type, bool composite, Compilation compilation, KnownTypes known, List<Diagnostic>? diagnostics, CancellationToken cancellationToken)
        {
            if (type.TypeKind == TypeKind.Error || !HasValidNames(type))
            {
                // Half-typed code (a type without a name, say): the compiler reports it, and nothing is emitted.
                return null;
            }
            var context = new TypeContext(type, composite, compilation, known, diagnostics, cancellationToken);

            bool canEmit = CheckDeclarations(context);
            CompositeModel? compositeModel = null;
            if (composite)
            {
                compositeModel = ParseCompositeTypes(context);
                canEmit &= compositeModel is not null;
            }

            List<HandlerModel> handlers = ParseHandlers(context);
            cancellationToken.ThrowIfCancellationRequested();
            InsertMethodModel? insertMethod = null;
            if (!composite)
            {
                insertMethod = ParseInsertMethod(context);
                canEmit &= insertMethod is not null;
                NameTokens(handlers, insertMethod?.TokensType);
            }

            if (!canEmit)
            {
                return null;
            }
            return new TypeModel(
                FileName(type),
                type.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() : null,
                new EquatableArray<TypeDeclarationModel>(ContainingChain(type)),
                Declaration(type),
                type.ToDisplayString(TypeFormat),
                compositeModel,
                composite && !HasParameterlessMethod(type, "Dispose"),
                CallbackTypeParameter(type),
                new EquatableArray<HandlerModel>(handlers.ToArray()),
                insertMethod);
        }

        /// <summary>True when the type, the types around it and its namespaces all have names generated code can spell.</summary>
        private static bool HasValidNames(INamedTypeSymbol type)
        {
            for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
            {
                if (!SyntaxFacts.IsValidIdentifier(t.Name))
                {
                    return false;
                }
                var names = new HashSet<string>(System.StringComparer.Ordinal);
                foreach (ITypeParameterSymbol parameter in t.TypeParameters)
                {
                    if (!SyntaxFacts.IsValidIdentifier(parameter.Name) || !names.Add(parameter.Name))
                    {
                        return false;
                    }
                }
            }
            for (INamespaceSymbol? ns = type.ContainingNamespace; ns is { IsGlobalNamespace: false }; ns = ns.ContainingNamespace)
            {
                if (!SyntaxFacts.IsValidIdentifier(ns.Name))
                {
                    return false;
                }
            }
            return true;
        }

        /// <summary>Checks that the type and every type around it is partial and that the type can hold handlers.</summary>
        private static bool CheckDeclarations(TypeContext context)
        {
            INamedTypeSymbol type = context.Type;
            bool ok = true;
            for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
            {
                if (!IsPartial(t, context.CancellationToken))
                {
                    context.Report(DiagnosticDescriptors.TypeNotPartial, FirstLocation(t), t.ToDisplayString(MessageFormat));
                    ok = false;
                }
            }

            string? reason = null;
            if (IsFileLocal(type))
            {
                reason = "a file-local type cannot be extended by generated code in another file";
            }
            else if (type.IsStatic)
            {
                reason = context.Composite
                    ? "a static class cannot be an event source"
                    : "a static class cannot be a loop's shared data (use a class or struct instance)";
            }
            else if (type.IsRefLikeType)
            {
                reason = "a ref struct cannot be a loop's shared data";
            }
            else if (type.TypeKind is not (TypeKind.Class or TypeKind.Struct))
            {
                reason = "only classes and structs can hold handlers";
            }
            else if (context.Composite && type.TypeKind != TypeKind.Class)
            {
                reason = "a composite event source must be a class";
            }
            if (reason is not null)
            {
                context.Report(DiagnosticDescriptors.UnsupportedType, FirstLocation(type), type.ToDisplayString(MessageFormat), reason);
                ok = false;
            }
            return ok;
        }

        private static bool IsFileLocal(INamedTypeSymbol type)
        {
            for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
            {
                if (t.IsFileLocal)
                {
                    return true;
                }
            }
            return false;
        }

        private static CompositeModel? ParseCompositeTypes(TypeContext context)
        {
            INamedTypeSymbol? found = null;
            int count = 0;
            foreach (INamedTypeSymbol candidate in context.Type.Interfaces)
            {
                if (SymbolEqualityComparer.Default.Equals(candidate.OriginalDefinition, context.EventSource))
                {
                    found = candidate;
                    count++;
                }
            }
            if (found is null || count != 1 || found.TypeArguments.Length != 3 || ContainsErrors(found))
            {
                context.Report(DiagnosticDescriptors.CompositeWithoutInterface, FirstLocation(context.Type), context.Type.ToDisplayString(MessageFormat));
                return null;
            }
            context.OuterInterface = found;
            return new CompositeModel(
                found.TypeArguments[0].ToDisplayString(TypeFormat),
                found.TypeArguments[1].ToDisplayString(TypeFormat),
                found.TypeArguments[2].ToDisplayString(TypeFormat));
        }

        private static List<HandlerModel> ParseHandlers(TypeContext context)
        {
            INamedTypeSymbol type = context.Type;

            // Every [OnEvent] of every method, resolved to its source member.
            var bindings = new Dictionary<string, Binding>(System.StringComparer.Ordinal);
            var bindingOrder = new List<Binding>();
            var claimed = new HashSet<string>(System.StringComparer.Ordinal);
            foreach (ISymbol member in type.GetMembers())
            {
                context.CancellationToken.ThrowIfCancellationRequested();
                if (member is not IMethodSymbol method)
                {
                    continue;
                }
                foreach (AttributeData attribute in method.GetAttributes())
                {
                    if (!IsAttribute(attribute.AttributeClass, OnEventAttributeName)
                        || attribute.ConstructorArguments.Length != 1
                        || attribute.ConstructorArguments[0].Value is not string sourceName)
                    {
                        // A broken attribute is the compiler's to report.
                        continue;
                    }
                    if (method.ExplicitInterfaceImplementations.Length > 0)
                    {
                        // Generated code calls a handler by name, which an explicit implementation does not have.
                        IMethodSymbol implemented = method.ExplicitInterfaceImplementations[0];
                        context.Report(DiagnosticDescriptors.ExplicitInterfaceHandler, FirstLocation(method), implemented.ContainingType.Name + "." + implemented.Name, sourceName);
                        claimed.Add(sourceName);
                        continue;
                    }
                    Location? attributeLocation = AttributeArgumentLocation(attribute, context.CancellationToken) ?? FirstLocation(method);
                    Binding? binding = Bind(context, method, sourceName, attributeLocation, claimed);
                    if (binding is null)
                    {
                        claimed.Add(sourceName);
                        continue;
                    }
                    if (bindings.TryGetValue(binding.Source.Name, out Binding? first))
                    {
                        context.Report(DiagnosticDescriptors.DuplicateHandler, attributeLocation, binding.Source.Name, first.Method.Name, method.Name);
                        continue;
                    }
                    claimed.Add(binding.Source.Name);
                    bindings.Add(binding.Source.Name, binding);
                    bindingOrder.Add(binding);
                }
            }

            // Handlers in the declaration order of their sources; warnings for sources nobody handles.
            var handlers = new List<HandlerModel>();
            var emitted = new HashSet<string>(System.StringComparer.Ordinal);
            foreach (ISymbol member in MembersInOrder(type))
            {
                if (bindings.TryGetValue(member.Name, out Binding? binding) && SymbolEqualityComparer.Default.Equals(binding.Source, member))
                {
                    if (binding.Model is not null && emitted.Add(member.Name))
                    {
                        handlers.Add(binding.Model);
                    }
                    continue;
                }
                // An explicit interface property cannot carry a handler (naming it is CLP0012): not reported.
                if (!claimed.Contains(member.Name) && !member.IsImplicitlyDeclared
                    && member is not IPropertySymbol { ExplicitInterfaceImplementations.Length: > 0 }
                    && SourceType(member) is ITypeSymbol memberType
                    && FindSourceInterface(memberType, context.EventSource) is not null)
                {
                    context.Report(DiagnosticDescriptors.SourceWithoutHandler, FirstLocation(member), member.Name, type.ToDisplayString(MessageFormat));
                }
            }
            // Sources inherited from base types come last, in the order their handlers were found.
            foreach (Binding binding in bindingOrder)
            {
                if (binding.Model is not null && emitted.Add(binding.Source.Name))
                {
                    handlers.Add(binding.Model);
                }
            }
            return handlers;
        }

        private static IEnumerable<ISymbol> MembersInOrder(INamedTypeSymbol type)
        {
            foreach (ISymbol member in type.GetMembers())
            {
                if (member is IFieldSymbol or IPropertySymbol { IsIndexer: false })
                {
                    yield return member;
                }
            }
        }

        /// <summary>Resolves one <c>[OnEvent]</c> to its source and checks the handler's signature.</summary>
        private static Binding? Bind(TypeContext context, IMethodSymbol method, string sourceName, Location? attributeLocation, HashSet<string> claimed)
        {
            INamedTypeSymbol type = context.Type;
            ISymbol? source = null;
            for (INamedTypeSymbol? t = type; t is not null && source is null; t = t.BaseType)
            {
                foreach (ISymbol candidate in t.GetMembers(sourceName))
                {
                    if (candidate is IFieldSymbol or IPropertySymbol { IsIndexer: false })
                    {
                        if (source is not null)
                        {
                            // Two members of one name: the compiler reports the duplicate, and no code can read either.
                            return null;
                        }
                        source = candidate;
                    }
                }
            }
            if (!SyntaxFacts.IsValidIdentifier(method.Name) || HasDuplicate(type, method))
            {
                // A handler without a name, or declared twice (half-typed or pasted code): the compiler reports it, and
                // no generated call could choose.
                return null;
            }
            if ((source as IPropertySymbol ?? ExplicitProperty(type, sourceName)) is { } explicitProperty
                && (explicitProperty.ExplicitInterfaceImplementations.Length > 0 || explicitProperty.Name.IndexOf('.') >= 0))
            {
                // 'IHas.Tick': generated code reads a source by name, which an explicit implementation does not have.
                context.Report(DiagnosticDescriptors.ExplicitInterfaceSource, attributeLocation, sourceName, method.Name);
                claimed.Add(explicitProperty.Name);
                return null;
            }
            if (source is not null && !SyntaxFacts.IsValidIdentifier(source.Name))
            {
                // A member no code can name (half-typed code): the compiler reports it.
                return null;
            }
            if (source is null)
            {
                context.Report(DiagnosticDescriptors.MissingSourceMember, attributeLocation, method.Name, sourceName, type.ToDisplayString(MessageFormat));
                return null;
            }

            ITypeSymbol? memberType = SourceType(source);
            if (memberType is null || memberType.TypeKind == TypeKind.Error)
            {
                // The member's type does not compile: the compiler reports it.
                return null;
            }
            INamedTypeSymbol? sourceInterface = FindSourceInterface(memberType, context.EventSource);
            if (sourceInterface is null || ContainsErrors(sourceInterface))
            {
                context.Report(DiagnosticDescriptors.NotAnEventSource, attributeLocation, sourceName, method.Name, memberType.ToDisplayString(MessageFormat));
                return null;
            }

            string? unreadable = null;
            if (!context.Compilation.IsSymbolAccessibleWithin(source, type))
            {
                unreadable = $"it is private to '{source.ContainingType.ToDisplayString(MessageFormat)}'";
            }
            else if (source is IPropertySymbol property
                && (property.GetMethod is null || !context.Compilation.IsSymbolAccessibleWithin(property.GetMethod, type)))
            {
                unreadable = "it has no getter that can be called here";
            }
            if (unreadable is not null)
            {
                context.Report(DiagnosticDescriptors.InaccessibleSource, attributeLocation, sourceName, method.Name, type.ToDisplayString(MessageFormat), unreadable);
                return null;
            }

            HandlerModel? model = CheckSignature(context, method, source, memberType, sourceInterface);
            return new Binding(source, method, model);
        }

        private static HandlerModel? CheckSignature(TypeContext context, IMethodSymbol method, ISymbol source, ITypeSymbol memberType, INamedTypeSymbol sourceInterface)
        {
            ITypeSymbol eventType = sourceInterface.TypeArguments[0];
            ITypeSymbol metadataType = sourceInterface.TypeArguments[1];
            ITypeSymbol returnType = sourceInterface.TypeArguments[2];
            bool returnsUnit = SymbolEqualityComparer.Default.Equals(returnType, context.Unit);
            INamedTypeSymbol? emitConstraint = context.OuterInterface is { } outer
                ? context.EventCallback.Construct(outer.TypeArguments[0], outer.TypeArguments[1], outer.TypeArguments[2])
                : null;

            bool ok = true;
            ITypeParameterSymbol? emit = null;
            if (method.IsGenericMethod)
            {
                if (emitConstraint is not null && method.TypeParameters.Length == 1 && IsEmitParameter(method.TypeParameters[0], emitConstraint))
                {
                    emit = method.TypeParameters[0];
                }
                else
                {
                    ok = false;
                }
            }

            var parameters = method.Parameters;
            int index = 0;
            if (parameters.Length > 0 && parameters[0].RefKind == RefKind.None && Accepts(parameters[0].Type, eventType))
            {
                index = 1;
            }
            else
            {
                ok = false;
            }
            bool passMetadata = false;
            if (ok && index < parameters.Length && parameters[index].RefKind == RefKind.Ref && SameNullability(parameters[index].Type, metadataType))
            {
                passMetadata = true;
                index++;
            }
            bool passData = false;
            if (ok && !context.Composite && index < parameters.Length && parameters[index].RefKind == RefKind.Ref && Same(parameters[index].Type, context.Type))
            {
                passData = true;
                index++;
            }
            bool passEmit = false;
            if (ok && emit is not null && index < parameters.Length && parameters[index].RefKind == RefKind.Ref && Same(parameters[index].Type, emit))
            {
                passEmit = true;
                index++;
            }
            if (index != parameters.Length || (emit is not null && !passEmit))
            {
                ok = false;
            }
            bool returnsVoid = method.ReturnsVoid;
            if (method.ReturnsByRef || method.ReturnsByRefReadonly)
            {
                ok = false;
            }
            else if (returnsUnit ? !(returnsVoid || Same(method.ReturnType, returnType)) : !Accepts(returnType, method.ReturnType))
            {
                ok = false;
            }
            if (method.IsAsync)
            {
                // An async handler would return before its work is done; the loop needs the answer now.
                ok = false;
            }

            if (!ok && context.Composite && context.OuterInterface is null && method.IsGenericMethod)
            {
                // The composite's own event types are missing (CLP0007 says so): its emit parameter cannot be checked,
                // and a second diagnostic on a handler that may well be right would only mislead.
                return null;
            }
            if (!ok)
            {
                context.Report(
                    DiagnosticDescriptors.HandlerSignatureMismatch,
                    FirstLocation(method),
                    method.Name,
                    source.Name,
                    ExpectedSignature(context, method.Name, eventType, metadataType, returnType, returnsUnit, emitConstraint));
                return null;
            }

            bool isStatic = source.IsStatic;
            string access = (isStatic ? context.Type.ToDisplayString(TypeFormat) : "this") + "." + Escape(source.Name);
            if (memberType.IsReferenceType && memberType.NullableAnnotation == NullableAnnotation.Annotated)
            {
                access += "!";
            }
            return new HandlerModel(
                Escape(source.Name),
                source.Name.TrimStart('@'),
                access,
                eventType.ToDisplayString(TypeFormat),
                metadataType.ToDisplayString(TypeFormat),
                returnType.ToDisplayString(TypeFormat),
                Escape(method.Name),
                method.IsStatic,
                returnsVoid,
                passMetadata,
                passData,
                passEmit,
                DisposeKindOf(memberType, context.Compilation),
                CallsThroughInterface(memberType, sourceInterface));
        }

        private static bool IsEmitParameter(ITypeParameterSymbol parameter, INamedTypeSymbol constraint) =>
            parameter.AllowsRefLikeType
            && !parameter.HasReferenceTypeConstraint
            && !parameter.HasValueTypeConstraint
            && !parameter.HasUnmanagedTypeConstraint
            && !parameter.HasConstructorConstraint
            && !parameter.HasNotNullConstraint
            && parameter.ConstraintTypes.Length == 1
            && Same(parameter.ConstraintTypes[0], constraint);

        private static string ExpectedSignature(
            TypeContext context, string name, ITypeSymbol eventType, ITypeSymbol metadataType, ITypeSymbol returnType, bool returnsUnit, INamedTypeSymbol? emitConstraint)
        {
            string returns = returnsUnit ? "void" : returnType.ToDisplayString(MessageFormat);
            string metadata = $"[ref {metadataType.ToDisplayString(MessageFormat)} metadata]";
            if (emitConstraint is null)
            {
                return $"{returns} {name}({eventType.ToDisplayString(MessageFormat)} @event, {metadata}, [ref {context.Type.ToDisplayString(MessageFormat)} data])";
            }
            return $"{returns} {name}[<TEmit>]({eventType.ToDisplayString(MessageFormat)} @event, {metadata}, [ref TEmit emit]) "
                + $"where TEmit : {emitConstraint.ToDisplayString(MessageFormat)}, allows ref struct";
        }

        private static DisposeKind DisposeKindOf(ITypeSymbol type, Compilation compilation)
        {
            INamedTypeSymbol disposable = compilation.GetSpecialType(SpecialType.System_IDisposable);
            if (type is INamedTypeSymbol named && HasAttribute(named, EventSourceAttributeName))
            {
                // A nested composite: its generated part implements IDisposable, which this compilation cannot see yet.
                return DisposeKind.Direct;
            }
            if (SymbolEqualityComparer.Default.Equals(type, disposable))
            {
                return DisposeKind.Direct;
            }
            foreach (INamedTypeSymbol candidate in type.AllInterfaces)
            {
                if (SymbolEqualityComparer.Default.Equals(candidate, disposable))
                {
                    return DisposeKind.Direct;
                }
            }
            return type.IsValueType || type.IsSealed ? DisposeKind.None : DisposeKind.Test;
        }

        /// <summary>True when the source's type implements <c>ProcessEvents</c> explicitly, so it must be called through the interface.</summary>
        private static bool CallsThroughInterface(ITypeSymbol type, INamedTypeSymbol sourceInterface)
        {
            if (type.IsValueType || type.TypeKind is TypeKind.Interface or TypeKind.TypeParameter)
            {
                return false;
            }
            foreach (ISymbol member in sourceInterface.GetMembers("ProcessEvents"))
            {
                if (type.FindImplementationForInterfaceMember(member) is IMethodSymbol { MethodKind: MethodKind.ExplicitInterfaceImplementation })
                {
                    return true;
                }
            }
            foreach (INamedTypeSymbol baseInterface in sourceInterface.AllInterfaces)
            {
                foreach (ISymbol member in baseInterface.GetMembers())
                {
                    if (member is IMethodSymbol { IsAbstract: true } && type.FindImplementationForInterfaceMember(member) is IMethodSymbol { MethodKind: MethodKind.ExplicitInterfaceImplementation })
                    {
                        return true;
                    }
                }
            }
            return false;
        }

        /// <summary>True when the type declares another method with the name and parameters of <paramref name="method"/> (CS0111).</summary>
        private static bool HasDuplicate(INamedTypeSymbol type, IMethodSymbol method)
        {
            foreach (ISymbol member in type.GetMembers(method.Name))
            {
                if (member is IMethodSymbol other && !SymbolEqualityComparer.Default.Equals(other, method)
                    && !SymbolEqualityComparer.Default.Equals(other, method.PartialDefinitionPart ?? method.PartialImplementationPart)
                    && other.Arity == method.Arity && other.Parameters.Length == method.Parameters.Length)
                {
                    bool same = true;
                    for (int i = 0; i < method.Parameters.Length && same; i++)
                    {
                        ITypeSymbol left = method.Parameters[i].Type;
                        ITypeSymbol right = other.Parameters[i].Type;
                        same = method.Parameters[i].RefKind == other.Parameters[i].RefKind
                            && (Same(left, right)
                                || (left is ITypeParameterSymbol { TypeParameterKind: TypeParameterKind.Method } l
                                    && right is ITypeParameterSymbol { TypeParameterKind: TypeParameterKind.Method } r && l.Ordinal == r.Ordinal));
                    }
                    if (same)
                    {
                        return true;
                    }
                }
            }
            return false;
        }

        /// <summary>
        /// An explicit interface property of the type named <paramref name="sourceName"/>: as its member (<c>Tick</c>),
        /// with its interface (<c>IHas.Tick</c>) or as the compiler names it (<c>N.IHas.Tick</c>).
        /// </summary>
        private static IPropertySymbol? ExplicitProperty(INamedTypeSymbol type, string sourceName)
        {
            foreach (ISymbol member in type.GetMembers())
            {
                if (member is IPropertySymbol { ExplicitInterfaceImplementations.Length: > 0 } property)
                {
                    IPropertySymbol implemented = property.ExplicitInterfaceImplementations[0];
                    if (property.Name == sourceName
                        || implemented.Name == sourceName
                        || implemented.ContainingType.Name + "." + implemented.Name == sourceName)
                    {
                        return property;
                    }
                }
            }
            return null;
        }

        private static ITypeSymbol? SourceType(ISymbol member) => member switch
        {
            IFieldSymbol field => field.Type,
            IPropertySymbol property => property.Type,
            _ => null,
        };

        private static INamedTypeSymbol? FindSourceInterface(ITypeSymbol type, INamedTypeSymbol eventSource)
        {
            if (type is INamedTypeSymbol named && SymbolEqualityComparer.Default.Equals(named.OriginalDefinition, eventSource))
            {
                return named;
            }
            foreach (INamedTypeSymbol candidate in type.AllInterfaces)
            {
                if (SymbolEqualityComparer.Default.Equals(candidate.OriginalDefinition, eventSource))
                {
                    return candidate;
                }
            }
            if (type is ITypeParameterSymbol parameter)
            {
                // A type parameter is a source through its constraints.
                foreach (ITypeSymbol constraint in parameter.ConstraintTypes)
                {
                    if (FindSourceInterface(constraint, eventSource) is { } found)
                    {
                        return found;
                    }
                }
            }
            return null;
        }

        private static bool ContainsErrors(INamedTypeSymbol type)
        {
            foreach (ITypeSymbol argument in type.TypeArguments)
            {
                if (argument.TypeKind == TypeKind.Error)
                {
                    return true;
                }
            }
            return false;
        }

        private static bool Same(ITypeSymbol left, ITypeSymbol right) => SymbolEqualityComparer.Default.Equals(left, right);

        /// <summary>
        /// True when a value of type <paramref name="argument"/> may be passed where <paramref name="target"/> is expected
        /// without a nullable warning: the same type, and not a maybe-null reference into a non-null one (a handler may
        /// take <c>string?</c> for a <c>string</c> event, not the reverse). Oblivious annotations accept anything.
        /// </summary>
        private static bool Accepts(ITypeSymbol target, ITypeSymbol argument) =>
            Same(target, argument)
            && !(argument.NullableAnnotation == NullableAnnotation.Annotated && target.NullableAnnotation == NullableAnnotation.NotAnnotated);

        /// <summary>The same type with the same nullability, as a <c>ref</c> parameter needs (oblivious matches anything).</summary>
        private static bool SameNullability(ITypeSymbol parameter, ITypeSymbol type) =>
            Same(parameter, type)
            && (parameter.NullableAnnotation == type.NullableAnnotation
                || parameter.NullableAnnotation == NullableAnnotation.None
                || type.NullableAnnotation == NullableAnnotation.None);

        private static bool HasAttribute(INamedTypeSymbol type, string name)
        {
            foreach (AttributeData attribute in type.GetAttributes())
            {
                if (IsAttribute(attribute.AttributeClass, name))
                {
                    return true;
                }
            }
            return false;
        }

        private static bool IsAttribute(INamedTypeSymbol? attributeClass, string name) =>
            attributeClass is not null && attributeClass.ToDisplayString() == name;

        private static bool HasParameterlessMethod(INamedTypeSymbol type, string name)
        {
            foreach (ISymbol member in type.GetMembers(name))
            {
                if (member is IMethodSymbol { Parameters.Length: 0, IsStatic: false })
                {
                    return true;
                }
            }
            return false;
        }

        private static bool IsPartial(INamedTypeSymbol type, CancellationToken cancellationToken)
        {
            foreach (SyntaxReference reference in type.DeclaringSyntaxReferences)
            {
                if (reference.GetSyntax(cancellationToken) is TypeDeclarationSyntax declaration)
                {
                    foreach (SyntaxToken modifier in declaration.Modifiers)
                    {
                        if (modifier.IsKind(SyntaxKind.PartialKeyword))
                        {
                            return true;
                        }
                    }
                }
            }
            return false;
        }

        private static Location? FirstLocation(ISymbol symbol) => symbol.Locations.Length > 0 ? symbol.Locations[0] : null;

        private static Location? AttributeArgumentLocation(AttributeData attribute, CancellationToken cancellationToken)
        {
            if (attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) is AttributeSyntax syntax)
            {
                return syntax.ArgumentList is { Arguments.Count: > 0 } arguments ? arguments.Arguments[0].GetLocation() : syntax.GetLocation();
            }
            return null;
        }

        private static TypeDeclarationModel[] ContainingChain(INamedTypeSymbol type)
        {
            var chain = new List<TypeDeclarationModel>();
            for (INamedTypeSymbol? t = type.ContainingType; t is not null; t = t.ContainingType)
            {
                chain.Insert(0, Declaration(t));
            }
            return chain.ToArray();
        }

        private static TypeDeclarationModel Declaration(INamedTypeSymbol type)
        {
            string keyword = type.TypeKind switch
            {
                TypeKind.Interface => "partial interface",
                TypeKind.Struct => (type.IsReadOnly ? "readonly " : "") + (type.IsRefLikeType ? "ref " : "") + (type.IsRecord ? "partial record struct" : "partial struct"),
                _ => type.IsRecord ? "partial record" : "partial class",
            };
            string name = Escape(type.Name);
            if (type.TypeParameters.Length > 0)
            {
                var names = new string[type.TypeParameters.Length];
                for (int i = 0; i < names.Length; i++)
                {
                    names[i] = Escape(type.TypeParameters[i].Name);
                }
                name += "<" + string.Join(", ", names) + ">";
            }
            return new TypeDeclarationModel(keyword, name);
        }

        private static string FileName(INamedTypeSymbol type)
        {
            var namespaces = new List<string>();
            for (INamespaceSymbol? ns = type.ContainingNamespace; ns is { IsGlobalNamespace: false }; ns = ns.ContainingNamespace)
            {
                // The name, not its display string: a keyword namespace is 'namespace' here, '@namespace' in code.
                namespaces.Insert(0, ns.Name);
            }
            var types = new List<string>();
            for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
            {
                types.Insert(0, t.MetadataName);
            }
            return HintNames.FileName(namespaces, types);
        }

        private static string CallbackTypeParameter(INamedTypeSymbol type)
        {
            string name = "TCallback";
            while (HasTypeParameter(type, name))
            {
                name += "_";
            }
            return name;
        }

        private static bool HasTypeParameter(INamedTypeSymbol type, string name)
        {
            for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
            {
                foreach (ITypeParameterSymbol parameter in t.TypeParameters)
                {
                    if (parameter.Name == name)
                    {
                        return true;
                    }
                }
            }
            return false;
        }

        private static string Escape(string name) =>
            SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;

        private sealed record Binding(ISymbol Source, IMethodSymbol Method, HandlerModel? Model);

        /// <summary>What parsing one type needs; lives only during the transform.</summary>
        private sealed class TypeContext(
            INamedTypeSymbol type,
            bool composite,
            Compilation compilation,
            KnownTypes known,
            List<Diagnostic>? diagnostics,
            CancellationToken cancellationToken)
        {
            public INamedTypeSymbol Type { get; } = type;

            public bool Composite { get; } = composite;

            public Compilation Compilation { get; } = compilation;

            public INamedTypeSymbol EventSource { get; } = known.EventSource;

            public INamedTypeSymbol EventCallback { get; } = known.EventCallback;

            public INamedTypeSymbol Unit { get; } = known.Unit;

            public KnownTypes Known { get; } = known;

            public CancellationToken CancellationToken { get; } = cancellationToken;

            public INamedTypeSymbol? OuterInterface { get; set; }

            /// <summary>Adds a diagnostic when parsing for the analyzer; the generator collects none.</summary>
            public void Report(DiagnosticDescriptor descriptor, Location? location, params string[] arguments)
            {
                diagnostics?.Add(Diagnostic.Create(descriptor, location ?? Location.None, arguments));
            }
        }
    }
}
