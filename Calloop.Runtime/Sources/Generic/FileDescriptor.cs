namespace Calloop;

/// <summary>
/// A raw file descriptor number that the caller owns and keeps open while it is in a loop. Prefer a
/// <see cref="System.Runtime.InteropServices.SafeHandle"/> or a <see cref="System.Net.Sockets.Socket"/>, which the
/// loop can keep from being closed under it.
/// </summary>
/// <param name="Value">The descriptor number.</param>
public readonly record struct FileDescriptor(int Value);
