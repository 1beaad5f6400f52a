namespace Calloop.Generators.Diagnostics;

/// <summary>
/// The stable IDs of the generator's diagnostics. This file is also compiled into the code-fix assembly, so that
/// both name a diagnostic through one constant.
/// </summary>
internal static class DiagnosticIds
{
    public const string TypeNotPartial = "CLP0001";
    public const string MissingSourceMember = "CLP0002";
    public const string NotAnEventSource = "CLP0003";
    public const string HandlerSignatureMismatch = "CLP0004";
    public const string DuplicateHandler = "CLP0005";
    public const string SourceWithoutHandler = "CLP0006";
    public const string CompositeWithoutInterface = "CLP0007";
    public const string UnsupportedType = "CLP0008";
    public const string InaccessibleSource = "CLP0009";
    public const string HandlerNotAMethod = "CLP0010";
    public const string ExplicitInterfaceHandler = "CLP0011";
    public const string ExplicitInterfaceSource = "CLP0012";
    public const string GeneratedNameTaken = "CLP0013";
    public const string InvalidInsertMethod = "CLP0014";
    public const string ForgottenInsertion = "CLP0015";
}
