namespace TagWorker.Review;

/// <summary>The site's and the API's pages of a list: page 1 first, at most <see cref="MaxPageSize"/> items.</summary>
public static class Paging
{
    public const int DefaultPageSize = 60;
    public const int MaxPageSize = 200;

    public static (int Page, int Size, int Offset) Of(int? page, int? size)
    {
        var p = page ?? 1;
        var s = size ?? DefaultPageSize;
        if (p < 1 || s < 1 || s > MaxPageSize || (long)(p - 1) * s > int.MaxValue)
        {
            throw ReviewException.Invalid(
                $"page must be 1 or more (and not absurdly large) and size between 1 and {MaxPageSize}"
            );
        }
        return (p, s, (p - 1) * s);
    }
}
