using System.Collections.Generic;
using System.Text;
using Calloop.Generators.Model;

namespace Calloop.Generators.Emit;

/// <summary>
/// Hint names (the generated files' names) that are valid and unique for every legal C# name. A type's file name is
/// its namespace, containing types and metadata name in ASCII (<c>N.Outer+App-1</c>; other characters as
/// <c>-uXXXX</c>, which no C# name spells). Roslyn compares hint names ignoring case, so names that differ only in case
/// (<c>N.App</c>, <c>N.app</c>) each get a suffix recording which letters are upper case.
/// </summary>
internal static class HintNames
{
    private const string Extension = ".Calloop.g.cs";

    /// <summary>The file name of a type: its namespaces (unescaped), containing types and metadata name, in ASCII.</summary>
    public static string FileName(IReadOnlyList<string> namespaces, IReadOnlyList<string> metadataNames)
    {
        var builder = new StringBuilder();
        for (int i = 0; i < namespaces.Count; i++)
        {
            Append(builder, namespaces[i]);
            builder.Append('.');
        }
        for (int i = 0; i < metadataNames.Count; i++)
        {
            if (i > 0)
            {
                // '+' as in metadata names: a nested N.A+B and a type B in namespace N.A get different files.
                builder.Append('+');
            }
            Append(builder, metadataNames[i]);
        }
        return builder.ToString();
    }

    /// <summary>The file names among <paramref name="left"/> and <paramref name="right"/> that another one equals ignoring case.</summary>
    public static EquatableArray<string> CaseCollisions(IEnumerable<string> left, IEnumerable<string> right)
    {
        var counts = new Dictionary<string, int>(System.StringComparer.OrdinalIgnoreCase);
        var all = new List<string>();
        all.AddRange(left);
        all.AddRange(right);
        foreach (string name in all)
        {
            counts[name] = counts.TryGetValue(name, out int count) ? count + 1 : 1;
        }
        var colliding = new List<string>();
        foreach (string name in all)
        {
            if (counts[name] > 1)
            {
                colliding.Add(name);
            }
        }
        colliding.Sort(System.StringComparer.Ordinal);
        return new EquatableArray<string>(colliding.ToArray());
    }

    /// <summary>The hint name of a file name: with a case suffix when it is among <paramref name="caseCollisions"/>.</summary>
    public static string HintName(string fileName, EquatableArray<string> caseCollisions)
    {
        foreach (string colliding in caseCollisions)
        {
            if (colliding == fileName)
            {
                return fileName + "." + CaseMask(fileName) + Extension;
            }
        }
        return fileName + Extension;
    }

    /// <summary>
    /// Which characters are upper case, as a hexadecimal bit mask (bit i for character i) after <c>0x</c>: a segment
    /// that starts with a digit, which no name segment does. File names are ASCII, so two that are equal ignoring
    /// case and differ get different masks.
    /// </summary>
    private static string CaseMask(string fileName)
    {
        int nibbles = (fileName.Length + 3) / 4;
        var builder = new StringBuilder("0x");
        bool started = false;
        for (int k = nibbles - 1; k >= 0; k--)
        {
            int value = 0;
            for (int bit = 0; bit < 4; bit++)
            {
                int i = (k * 4) + bit;
                if (i < fileName.Length && fileName[i] is >= 'A' and <= 'Z')
                {
                    value |= 1 << bit;
                }
            }
            if (value != 0 || started || k == 0)
            {
                builder.Append("0123456789abcdef"[value]);
                started = true;
            }
        }
        return builder.ToString();
    }

    private static void Append(StringBuilder builder, string name)
    {
        foreach (char c in name)
        {
            if (c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_')
            {
                builder.Append(c);
            }
            else if (c == '`')
            {
                // The arity of a generic type: '-' cannot occur in a C# name, so App`1 (as App-1) never meets App_1.
                builder.Append('-');
            }
            else
            {
                builder.Append("-u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
            }
        }
    }
}
