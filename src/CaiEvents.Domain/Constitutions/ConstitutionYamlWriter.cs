using System.Globalization;
using System.Text;

namespace CaiEvents.Domain.Constitutions;

/// <summary>
/// Writes a constitution as this project's YAML (the shape <see cref="ConstitutionLoader.Parse"/> reads), every string double-quoted
/// on one line with escapes, so parsing the text back gives the same strings exactly. Used to snapshot a constitution that was read
/// from another format (<see cref="ConstitutionDirectoryLoader"/>); <paramref name="sources"/> become header comments, so the
/// snapshot's hash also covers which files it came from.
/// </summary>
public static class ConstitutionYamlWriter
{
    public static string Write(Constitution constitution, IReadOnlyList<string> sources)
    {
        ArgumentNullException.ThrowIfNull(constitution);
        ArgumentNullException.ThrowIfNull(sources);
        var yaml = new StringBuilder();
        yaml.Append("# Converted from the JSON files of a constitution directory:\n");
        foreach (string source in sources) yaml.Append("#   ").Append(InputException.OneLine(source)).Append('\n');
        yaml.Append("id: ").Append(Quote(constitution.Id)).Append('\n')
            .Append("version: ").Append(constitution.Version.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .Append("description: ").Append(Quote(constitution.Description)).Append('\n')
            .Append("critique_revision:\n");
        foreach (CritiqueRevisionPrinciple p in constitution.CritiqueRevision)
        {
            Entry(yaml, "  ", [("id", p.Id), ("critique", p.CritiqueRequest), ("revision", p.RevisionRequest)]);
        }

        yaml.Append("comparison:\n");
        foreach (ComparisonPrinciple p in constitution.Comparison) Entry(yaml, "  ", [("id", p.Id), ("question", p.Question)]);
        if (constitution.CritiqueRevisionExamples.Count + constitution.FeedbackExamples.Count == 0) return yaml.ToString();
        yaml.Append("few_shot:\n");
        if (constitution.CritiqueRevisionExamples.Count > 0)
        {
            yaml.Append("  critique_revision:\n");
            foreach (CritiqueRevisionExample e in constitution.CritiqueRevisionExamples)
            {
                Entry(yaml, "    ", [("id", e.Id), ("prompt", e.Prompt), ("response", e.Response), ("critique_request", e.CritiqueRequest),
                    ("critique", e.Critique), ("revision_request", e.RevisionRequest), ("revision", e.Revision)]);
            }
        }

        if (constitution.FeedbackExamples.Count > 0)
        {
            yaml.Append("  comparison:\n");
            foreach (FeedbackExample e in constitution.FeedbackExamples)
            {
                Entry(yaml, "    ", [("id", e.Id), ("prompt", e.Prompt), ("better", e.Better), ("worse", e.Worse)]);
            }
        }

        return yaml.ToString();
    }

    private static void Entry(StringBuilder yaml, string indent, (string Key, string Value)[] fields)
    {
        for (int i = 0; i < fields.Length; i++)
        {
            yaml.Append(indent).Append(i == 0 ? "- " : "  ").Append(fields[i].Key).Append(": ").Append(Quote(fields[i].Value)).Append('\n');
        }
    }

    /// <summary>A YAML double-quoted scalar: printable characters as they are, everything else (line breaks included) escaped.</summary>
    public static string Quote(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var quoted = new StringBuilder(value.Length + 2).Append('"');
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            if (c == '"') quoted.Append("\\\"");
            else if (c == '\\') quoted.Append("\\\\");
            else if (c == '\n') quoted.Append("\\n");
            else if (c == '\t') quoted.Append("\\t");
            else if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1])) quoted.Append(c).Append(value[++i]);
            else if (c < ' ' || c is >= '\u007f' and < '\u00a0' || c is '\u2028' or '\u2029' or '\ufeff' or '\ufffe' or '\uffff' || char.IsSurrogate(c))
            {
                quoted.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            }
            else quoted.Append(c);
        }

        return quoted.Append('"').ToString();
    }
}
