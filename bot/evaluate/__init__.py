"""`newsbot eval`: score the real pipeline against public human gold sets in `../shared`."""
