using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace CaiEvents.Domain.Constitutions;

/// <summary>
/// Loads and validates constitution YAML files. Every problem becomes an <see cref="InputException"/> whose
/// message is one line naming the file, the line and what is wrong, e.g.
/// <c>default.yaml:12: critique_revision[3]: duplicate id 'harm-general' (first at line 5)</c>.
/// List indices in messages are 0-based.
/// </summary>
public static partial class ConstitutionLoader
{
    /// <summary>Manifest name of the default constitution embedded in this assembly.</summary>
    public const string DefaultResourceName = "CaiEvents.Domain.default-constitution.yaml";

    /// <summary>Name used in error messages and provenance for the embedded default (its path in the repository).</summary>
    public const string DefaultSourceName = "constitutions/default.yaml";

    private static readonly Lazy<Constitution> Default = new(
        () => Parse(InputFiles.DecodeStrictFile(InputFiles.ReadEmbedded(DefaultResourceName), DefaultSourceName), DefaultSourceName));

    private static readonly string[] TopLevelKeys = ["id", "version", "description", "critique_revision", "comparison", "few_shot"];
    private static readonly string[] FewShotKeys = ["critique_revision", "comparison"];
    private static readonly string[] CritiqueRevisionExampleKeys =
        ["id", "prompt", "response", "critique_request", "critique", "revision_request", "revision"];
    private static readonly string[] FeedbackExampleKeys = ["id", "prompt", "better", "worse"];
    private static readonly string[] CritiqueRevisionKeys = ["id", "critique", "revision"];
    private static readonly string[] ComparisonKeys = ["id", "question"];

    [GeneratedRegex(@"\A[a-z0-9-]+\z", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();

    [GeneratedRegex(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\):\s*", RegexOptions.CultureInvariant)]
    private static partial Regex YamlMarkPrefix();

    /// <summary>Reads and validates a constitution file. The path as given is used in error messages.</summary>
    public static Constitution LoadFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] bytes = InputFiles.ReadAllBytes(path);
        return Parse(InputFiles.DecodeStrictFile(bytes, path), path);
    }

    /// <summary>
    /// Reads a constitution from <paramref name="path"/>: a YAML file, or a directory of JSON files in the paper's released shapes
    /// (<see cref="ConstitutionDirectoryLoader"/>). The path as given is used in error messages.
    /// </summary>
    public static Constitution Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Directory.Exists(path) ? ConstitutionDirectoryLoader.Load(path) : LoadFile(path);
    }

    /// <summary>The default constitution, embedded in this assembly (works from any working directory).</summary>
    public static Constitution LoadDefault() => Default.Value;

    /// <summary>Parses and validates constitution YAML. <paramref name="sourceName"/> is used in error messages.</summary>
    public static Constitution Parse(string yamlText, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(yamlText);
        ArgumentNullException.ThrowIfNull(sourceName);

        var stream = new YamlStream();
        var scanner = new Scanner(new StringReader(yamlText));
        try
        {
            stream.Load(new Parser(scanner));
        }
        catch (YamlException ex)
        {
            string detail = YamlMarkPrefix().Replace(ex.Message, "");
            if (detail.Length == 0 && ex.InnerException is { } inner)
            {
                detail = inner.Message;
            }

            throw new InputException(sourceName, LineOf(ex.Start), "invalid YAML: " + detail);
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet sometimes fails this way instead of with a YamlException (e.g. an unclosed '[' at the end).
            throw new InputException(sourceName, LineOf(scanner.CurrentPosition),
                "invalid YAML: could not parse the document here (unclosed bracket or quote?)");
        }

        if (stream.Documents.Count == 0)
        {
            throw new InputException(sourceName, null, "the file is empty; expected a mapping with keys " + string.Join(", ", TopLevelKeys));
        }

        if (stream.Documents.Count > 1)
        {
            throw new InputException(sourceName, LineOf(stream.Documents[1].RootNode.Start),
                "expected a single YAML document, found more than one");
        }

        var reader = new Reader(sourceName);
        YamlNode root = stream.Documents[0].RootNode;
        if (root is YamlScalarNode { Style: ScalarStyle.Plain } s && IsNull(s))
        {
            throw new InputException(sourceName, null, "the file is empty; expected a mapping with keys " + string.Join(", ", TopLevelKeys));
        }

        Dictionary<string, (YamlNode Key, YamlNode Value)> top = reader.Mapping(root, "", TopLevelKeys);
        string id = reader.Id(top, root, "");
        int version = reader.Version(top, root);
        string description = reader.String(top, root, "", "description");

        var ids = new Dictionary<string, int>(StringComparer.Ordinal);

        var critiques = new List<CritiqueRevisionPrinciple>();
        IReadOnlyList<YamlNode> crNodes = reader.NonEmptyList(top, root, "critique_revision");
        for (int i = 0; i < crNodes.Count; i++)
        {
            string path = string.Create(CultureInfo.InvariantCulture, $"critique_revision[{i}]");
            Dictionary<string, (YamlNode Key, YamlNode Value)> entry = reader.Mapping(crNodes[i], path, CritiqueRevisionKeys);
            string pid = reader.Id(entry, crNodes[i], path);
            reader.Unique(ids, pid, entry["id"].Value, path);
            critiques.Add(new CritiqueRevisionPrinciple(
                pid,
                reader.String(entry, crNodes[i], path, "critique"),
                reader.String(entry, crNodes[i], path, "revision")));
        }

        var comparisons = new List<ComparisonPrinciple>();
        IReadOnlyList<YamlNode> cmpNodes = reader.NonEmptyList(top, root, "comparison");
        for (int i = 0; i < cmpNodes.Count; i++)
        {
            string path = string.Create(CultureInfo.InvariantCulture, $"comparison[{i}]");
            Dictionary<string, (YamlNode Key, YamlNode Value)> entry = reader.Mapping(cmpNodes[i], path, ComparisonKeys);
            string pid = reader.Id(entry, cmpNodes[i], path);
            reader.Unique(ids, pid, entry["id"].Value, path);
            comparisons.Add(new ComparisonPrinciple(pid, reader.String(entry, cmpNodes[i], path, "question")));
        }

        var critiqueExamples = new List<CritiqueRevisionExample>();
        var feedbackExamples = new List<FeedbackExample>();
        if (top.TryGetValue("few_shot", out (YamlNode Key, YamlNode Value) fewShot))
        {
            Dictionary<string, (YamlNode Key, YamlNode Value)> kinds = reader.Mapping(fewShot.Value, "few_shot", FewShotKeys);
            IReadOnlyList<YamlNode> nodes = reader.OptionalList(kinds, "few_shot", "critique_revision");
            for (int i = 0; i < nodes.Count; i++)
            {
                string path = string.Create(CultureInfo.InvariantCulture, $"few_shot.critique_revision[{i}]");
                Dictionary<string, (YamlNode Key, YamlNode Value)> entry = reader.Mapping(nodes[i], path, CritiqueRevisionExampleKeys);
                string eid = reader.Id(entry, nodes[i], path);
                reader.Unique(ids, eid, entry["id"].Value, path);
                critiqueExamples.Add(new CritiqueRevisionExample(eid,
                    reader.String(entry, nodes[i], path, "prompt"), reader.String(entry, nodes[i], path, "response"),
                    reader.String(entry, nodes[i], path, "critique_request"), reader.String(entry, nodes[i], path, "critique"),
                    reader.String(entry, nodes[i], path, "revision_request"), reader.String(entry, nodes[i], path, "revision")));
            }

            nodes = reader.OptionalList(kinds, "few_shot", "comparison");
            for (int i = 0; i < nodes.Count; i++)
            {
                string path = string.Create(CultureInfo.InvariantCulture, $"few_shot.comparison[{i}]");
                Dictionary<string, (YamlNode Key, YamlNode Value)> entry = reader.Mapping(nodes[i], path, FeedbackExampleKeys);
                string eid = reader.Id(entry, nodes[i], path);
                reader.Unique(ids, eid, entry["id"].Value, path);
                feedbackExamples.Add(new FeedbackExample(eid, reader.String(entry, nodes[i], path, "prompt"),
                    reader.String(entry, nodes[i], path, "better"), reader.String(entry, nodes[i], path, "worse")));
            }
        }

        return new Constitution(
            id,
            version,
            description,
            critiques.AsReadOnly(),
            comparisons.AsReadOnly(),
            yamlText,
            Constitution.ComputeContentHash(yamlText))
        {
            CritiqueRevisionExamples = critiqueExamples.AsReadOnly(),
            FeedbackExamples = feedbackExamples.AsReadOnly(),
        };
    }

    private static int LineOf(Mark mark) => (int)Math.Clamp(mark.Line, 1, int.MaxValue);

    private static bool IsNull(YamlScalarNode node) =>
        node.Style == ScalarStyle.Plain && node.Value is null or "" or "~" or "null" or "Null" or "NULL";

    private static string Describe(YamlNode node) => node switch
    {
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        YamlScalarNode s when IsNull(s) => "null",
        YamlScalarNode => "a scalar",
        _ => "an unsupported node",
    };

    private static string Quote(string value)
    {
        string oneLine = InputException.OneLine(value);
        return oneLine.Length <= 60 ? $"'{oneLine}'" : $"'{oneLine[..57]}...'";
    }

    private sealed class Reader(string source)
    {
        private InputException Error(YamlNode node, string path, string problem) =>
            new(source, LineOf(node.Start), path.Length == 0 ? problem : $"{path}: {problem}");

        private static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

        /// <summary>Checks that <paramref name="node"/> is a mapping whose keys are all known, and returns its entries by key.</summary>
        public Dictionary<string, (YamlNode Key, YamlNode Value)> Mapping(YamlNode node, string path, string[] allowed)
        {
            if (node is not YamlMappingNode map)
            {
                throw Error(node, path, $"expected a mapping with keys {string.Join(", ", allowed)}, found {Describe(node)}");
            }

            var result = new Dictionary<string, (YamlNode, YamlNode)>(StringComparer.Ordinal);
            foreach ((YamlNode key, YamlNode value) in map.Children)
            {
                if (key is not YamlScalarNode { Value: { } name })
                {
                    throw Error(key, path, $"keys must be plain names, found {Describe(key)}");
                }

                if (Array.IndexOf(allowed, name) < 0)
                {
                    throw Error(key, path, $"unknown key {Quote(name)} (allowed: {string.Join(", ", allowed)})");
                }

                if (!result.TryAdd(name, (key, value)))
                {
                    throw Error(key, path, $"duplicate key {Quote(name)} (first at line {LineOf(result[name].Item1.Start)})");
                }
            }

            return result;
        }

        private YamlNode Required(Dictionary<string, (YamlNode Key, YamlNode Value)> entries, YamlNode owner, string path, string key)
        {
            if (!entries.TryGetValue(key, out (YamlNode Key, YamlNode Value) entry))
            {
                throw Error(owner, path, $"missing required field '{key}'");
            }

            return entry.Value;
        }

        /// <summary>A required, non-blank string; surrounding whitespace is trimmed.</summary>
        public string String(Dictionary<string, (YamlNode Key, YamlNode Value)> entries, YamlNode owner, string path, string key)
        {
            YamlNode node = Required(entries, owner, path, key);
            string where = Join(path, key);
            if (node is not YamlScalarNode scalar)
            {
                throw Error(node, where, $"expected a string, found {Describe(node)}");
            }

            if (scalar.Style == ScalarStyle.Plain && scalar.Value is "~" or "null" or "Null" or "NULL")
            {
                throw Error(node, where, "expected a string, found null");
            }

            string value = scalar.Value ?? "";
            if (string.IsNullOrWhiteSpace(value))
            {
                throw Error(node, where, "must not be empty");
            }

            if (value.Contains('\0'))
            {
                // A YAML "\0" escape parses, then fails deep in the event store: PostgreSQL cannot hold U+0000.
                throw Error(node, where, "contains a NUL character (\\0), which the event store (PostgreSQL) cannot hold");
            }

            return value.Trim();
        }

        public string Id(Dictionary<string, (YamlNode Key, YamlNode Value)> entries, YamlNode owner, string path)
        {
            string id = String(entries, owner, path, "id");
            if (!IdPattern().IsMatch(id))
            {
                throw Error(entries["id"].Value, Join(path, "id"),
                    $"invalid id {Quote(id)}: use only lower-case letters a-z, digits 0-9 and '-'");
            }

            return id;
        }

        public void Unique(Dictionary<string, int> seen, string id, YamlNode idNode, string path)
        {
            int line = LineOf(idNode.Start);
            if (!seen.TryAdd(id, line))
            {
                throw Error(idNode, path, $"duplicate id '{id}' (first at line {seen[id]})");
            }
        }

        public int Version(Dictionary<string, (YamlNode Key, YamlNode Value)> entries, YamlNode owner)
        {
            YamlNode node = Required(entries, owner, "", "version");
            if (node is not YamlScalarNode { Style: ScalarStyle.Plain } scalar || IsNull(scalar))
            {
                string found = node is YamlScalarNode { Style: not ScalarStyle.Plain } ? "a quoted string" : Describe(node);
                throw Error(node, "version", $"expected a whole number >= 1, found {found}");
            }

            string text = scalar.Value ?? "";
            if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int version))
            {
                throw Error(node, "version", $"expected a whole number >= 1, found {Quote(text)}");
            }

            if (version < 1)
            {
                throw Error(node, "version", string.Create(CultureInfo.InvariantCulture, $"must be >= 1, found {version}"));
            }

            return version;
        }

        /// <summary>An optional list (few-shot examples): empty when the key is absent or null.</summary>
        public IReadOnlyList<YamlNode> OptionalList(Dictionary<string, (YamlNode Key, YamlNode Value)> entries, string path, string key)
        {
            if (!entries.TryGetValue(key, out (YamlNode Key, YamlNode Value) entry)
                || entry.Value is YamlScalarNode { Style: ScalarStyle.Plain } none && IsNull(none))
            {
                return [];
            }

            if (entry.Value is not YamlSequenceNode seq)
            {
                throw Error(entry.Value, Join(path, key), $"expected a list, found {Describe(entry.Value)}");
            }

            return seq.Children.ToList();
        }

        public IReadOnlyList<YamlNode> NonEmptyList(Dictionary<string, (YamlNode Key, YamlNode Value)> entries, YamlNode owner, string key)
        {
            YamlNode node = Required(entries, owner, "", key);
            if (node is not YamlSequenceNode seq)
            {
                throw Error(node, key, $"expected a list, found {Describe(node)}");
            }

            if (seq.Children.Count == 0)
            {
                throw Error(node, key, "the list is empty; at least one principle is required");
            }

            return seq.Children.ToList();
        }
    }
}
