<?php

namespace Igny8\Bridge;

final class Admin
{
    public static function register(): void
    {
    }
}
