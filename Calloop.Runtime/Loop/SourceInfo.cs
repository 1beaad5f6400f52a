namespace Calloop;

/// <summary>A source in a loop, as listed by <see cref="LoopHandle{TData}.GetSources"/>.</summary>
/// <param name="Token">The source's registration token.</param>
/// <param name="Name">The name given when it was inserted, if any.</param>
/// <param name="Kind">The source's type name, such as <c>TimerSource</c> or <c>Generic&lt;Socket&gt;</c>.</param>
/// <param name="Enabled">False while the source is disabled.</param>
/// <param name="ErrorPolicy">The source's own error policy, or null when it follows the loop's.</param>
public readonly record struct SourceInfo(RegistrationToken Token, string? Name, string Kind, bool Enabled, ErrorPolicy? ErrorPolicy);
