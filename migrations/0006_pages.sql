-- Reserved for the pages work; filled in before release.
SELECT 1;
