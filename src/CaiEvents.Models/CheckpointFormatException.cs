namespace CaiEvents.Models;

/// <summary>
/// A model checkpoint (directory, config, weights or tokenizer file) is missing or malformed.
/// The message is one line naming the file and, where there is one, the tensor, so it can be shown
/// to an operator as it is.
/// </summary>
public sealed class CheckpointFormatException : Exception
{
    public CheckpointFormatException(string path, string? tensorName, string problem, Exception? inner = null)
        : base(Format(path, tensorName, problem), inner)
    {
        Path = path;
        TensorName = tensorName;
    }

    /// <summary>The file or directory at fault.</summary>
    public string Path { get; }

    /// <summary>The tensor at fault, if the problem is about one tensor.</summary>
    public string? TensorName { get; }

    private static string Format(string path, string? tensorName, string problem)
    {
        var where = tensorName is null ? $"'{path}'" : $"'{path}', tensor '{tensorName}'";
        return OneLine($"Bad checkpoint {where}: {problem}.");
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");
}
